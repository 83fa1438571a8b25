package probes

import (
	"reflect"
	"testing"

	"github.com/ampelstatus/ampel/pkg/status"
)

// TestFillCopiesEveryField: every field of Observation reaches the
// Result's field of the same name, so a field added to both cannot be
// left out of Fill.
func TestFillCopiesEveryField(t *testing.T) {
	var o Observation
	ov := reflect.ValueOf(&o).Elem()
	for i := range ov.NumField() {
		f := ov.Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString(ov.Type().Field(i).Name)
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			f.SetInt(int64(i + 1))
		case reflect.Uint8:
			f.SetUint(uint64(i + 1))
		case reflect.Float64:
			f.SetFloat(float64(i) + 0.5)
		default:
			t.Fatalf("field %s: kind %s not covered by this test", ov.Type().Field(i).Name, f.Kind())
		}
	}
	var r status.Result
	o.Fill(&r)
	rv := reflect.ValueOf(r)
	for i := range ov.NumField() {
		name := ov.Type().Field(i).Name
		got := rv.FieldByName(name)
		if !got.IsValid() {
			t.Errorf("status.Result has no field %s", name)
			continue
		}
		if !reflect.DeepEqual(got.Interface(), ov.Field(i).Interface()) {
			t.Errorf("%s = %v after Fill, want %v", name, got.Interface(), ov.Field(i).Interface())
		}
	}
}
