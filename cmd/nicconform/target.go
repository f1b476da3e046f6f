package main

import (
	"crypto/tls"
	"fmt"
	"net/http"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/config"
)

// authenticator builds the client authenticator the configured credentials
// call for.
func authenticator(t config.Target) (client.Authenticator, error) {
	switch t.Auth.Mode {
	case config.AuthToken:
		return client.Token(t.Auth.Token), nil
	}
	return nil, fmt.Errorf("authentication mode %q is not supported yet", t.Auth.Mode)
}

// httpClient honours HW_INSECURE.
func httpClient(t config.Target) *http.Client {
	if !t.Insecure {
		return &http.Client{}
	}
	return &http.Client{Transport: &http.Transport{
		Proxy:           http.ProxyFromEnvironment,
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // HW_INSECURE: the user's private CA
	}}
}
