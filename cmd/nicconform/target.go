package main

import (
	"crypto/tls"
	"net/http"

	"github.com/nicconform/nicconform/internal/config"
)

// httpClient honours HW_INSECURE.
func httpClient(t config.Settings) *http.Client {
	if !t.Insecure {
		return &http.Client{}
	}
	return &http.Client{Transport: &http.Transport{
		Proxy:           http.ProxyFromEnvironment,
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // HW_INSECURE: the user's private CA
	}}
}
