package store

// ValidRole reports whether role is one an account or an operator token
// may have: RoleAdmin or RoleOperator.
func ValidRole(role string) bool { return role == RoleAdmin || role == RoleOperator }
