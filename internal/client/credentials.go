package client

import (
	"fmt"
	"net/http"

	"github.com/nicconform/nicconform/internal/config"
)

// Credentials builds the authenticator configured credentials call for: a
// static token, AK/SK signing, or IAM password login (whose own HTTP calls
// use hc). No credentials give a nil Authenticator.
func Credentials(a config.Auth, projectID string, hc *http.Client) (Authenticator, error) {
	switch a.Mode {
	case config.AuthNone:
		return nil, nil
	case config.AuthToken:
		return Token(a.Token), nil
	case config.AuthAKSK:
		return AKSK(a.AK, a.SK, a.SecurityToken, projectID), nil
	case config.AuthPassword:
		return IAMPassword(IAMConfig{AuthURL: a.AuthURL, User: a.User, Password: a.Password, Domain: a.Domain, ProjectID: projectID, HTTPClient: hc}), nil
	}
	return nil, fmt.Errorf("client: unknown authentication mode %q", a.Mode)
}
