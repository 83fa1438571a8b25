package probes

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
)

// The service account's files inside a pod, and the API server's name.
const (
	kubeAPIServer = "https://kubernetes.default.svc"
	kubeTokenFile = "/var/run/secrets/kubernetes.io/serviceaccount/token"
	kubeCAFile    = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"
)

// endpointSliceList is the part of a discovery.k8s.io/v1 EndpointSliceList
// that discovery reads.
type endpointSliceList struct {
	Items []struct {
		AddressType string `json:"addressType"`
		Endpoints   []struct {
			Addresses  []string `json:"addresses"`
			Conditions struct {
				Ready       *bool `json:"ready"`
				Terminating *bool `json:"terminating"`
			} `json:"conditions"`
			TargetRef *struct {
				Kind string `json:"kind"`
				Name string `json:"name"`
			} `json:"targetRef"`
		} `json:"endpoints"`
		Ports []struct {
			Name string `json:"name"`
			Port *int   `json:"port"`
		} `json:"ports"`
	} `json:"items"`
}

// kubernetesDiscovery lists a Service's endpoints from its EndpointSlices
// with the pod's service-account token (re-read each time: projected
// tokens rotate). Every endpoint not terminating is an instance, ready or
// not: a crashed pod that is still a member of the service is a failed
// instance, while one being shut down is retiring.
func kubernetesDiscovery(k *config.Kubernetes) (discoverer, error) {
	api := k.APIServer
	if api == "" {
		api = kubeAPIServer
	}
	tokenFile := k.TokenFile
	if tokenFile == "" {
		tokenFile = kubeTokenFile
	}
	client, err := kubeClient(api, k.CAFile)
	if err != nil {
		return nil, err
	}
	u := strings.TrimRight(api, "/") + "/apis/discovery.k8s.io/v1/namespaces/" + url.PathEscape(k.Namespace) +
		"/endpointslices?labelSelector=" + url.QueryEscape("kubernetes.io/service-name="+k.Service)
	return func(ctx context.Context) ([]Instance, error) {
		token, err := os.ReadFile(tokenFile)
		if err != nil {
			return nil, fmt.Errorf("read the service-account token: %w", err)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
		req.Header.Set("Accept", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("list endpoint slices: %w", err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
			return nil, fmt.Errorf("list endpoint slices of %s/%s: HTTP %d: %s", k.Namespace, k.Service, resp.StatusCode, strings.TrimSpace(string(b)))
		}
		var list endpointSliceList
		if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&list); err != nil {
			return nil, fmt.Errorf("decode endpoint slices: %w", err)
		}
		return instancesOf(&list, k.Port), nil
	}, nil
}

// instancesOf flattens the slices into instances, one per endpoint (its
// first address: the others are the same pod), at port or each slice's
// first port.
func instancesOf(list *endpointSliceList, port int) []Instance {
	var out []Instance
	seen := map[string]bool{}
	for _, s := range list.Items {
		if s.AddressType == "FQDN" {
			continue
		}
		p := port
		if p == 0 && len(s.Ports) > 0 && s.Ports[0].Port != nil {
			p = *s.Ports[0].Port
		}
		if p == 0 {
			continue
		}
		for _, ep := range s.Endpoints {
			if len(ep.Addresses) == 0 || (ep.Conditions.Terminating != nil && *ep.Conditions.Terminating) {
				continue
			}
			addr := net.JoinHostPort(ep.Addresses[0], strconv.Itoa(p))
			id := addr
			if ep.TargetRef != nil && ep.TargetRef.Name != "" {
				id = ep.TargetRef.Name
			}
			if !seen[id] {
				seen[id] = true
				out = append(out, Instance{ID: id, Addr: addr})
			}
		}
	}
	return out
}

// kubeClient trusts the cluster's CA (the service account's by default,
// when present) for an https API server.
func kubeClient(api, caFile string) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if strings.HasPrefix(api, "https://") {
		if caFile == "" {
			caFile = kubeCAFile
		}
		pem, err := os.ReadFile(caFile)
		if err == nil {
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("pods.kubernetes.ca_file: no PEM certificate in %s", caFile)
			}
			tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		} else if !os.IsNotExist(err) || caFile != kubeCAFile {
			return nil, fmt.Errorf("pods.kubernetes.ca_file: %w", err)
		}
	}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}, nil
}
