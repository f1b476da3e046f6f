package target

import (
	"net/http"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/config"
	"github.com/nicconform/nicconform/internal/mock"
)

// mode is what a run does with one way to authenticate. With config's row
// of the same name (internal/config/auth.go: its variables, the rules they
// keep, its summary) it is the whole mode:
//
//   - signer picks the mode's authenticator in internal/client, which
//     signs each attempt, makes a wrong credential of its own kind for
//     AUTH-INVALID (Tampered) and names what recordings redact (Secrets,
//     Headers);
//   - mock gives the embedded mock fresh credentials of the kind, which
//     the mock verifies (internal/mock/auth.go; a kind the mock does not
//     know plugs in through mock.Options.Auth).
//
// A new mode is a row in each table plus its authenticator.
type mode struct {
	// signer builds the authenticator credentials of the mode call for;
	// projectID scopes or signs them, hc carries any call of its own (an
	// IAM login).
	signer func(a config.Auth, projectID string, hc *http.Client) client.Authenticator
	// mock sets o so that the embedded mock accepts fresh credentials of
	// the mode, and returns them. Open fills in Mode, and AuthURL with the
	// mock's URL once it listens.
	mock func(o *mock.Options) config.Auth
}

// modes are the auth modes, by config's names.
var modes = map[string]mode{
	config.AuthToken: {
		signer: func(a config.Auth, _ string, _ *http.Client) client.Authenticator { return client.Token(a.Token) },
		mock:   func(o *mock.Options) config.Auth { return config.Auth{Token: o.Token} },
	},
	config.AuthAKSK: {
		signer: func(a config.Auth, projectID string, _ *http.Client) client.Authenticator {
			return client.AKSK(a.AK, a.SK, a.SecurityToken, projectID)
		},
		mock: func(o *mock.Options) config.Auth {
			a := config.Auth{AK: "NICCONFORM" + fresh(10), SK: fresh(40)}
			o.AKSK = map[string]string{a.AK: a.SK}
			return a
		},
	},
	config.AuthPassword: {
		signer: func(a config.Auth, projectID string, hc *http.Client) client.Authenticator {
			return client.IAMPassword(client.IAMConfig{AuthURL: a.AuthURL, User: a.User, Password: a.Password, Domain: a.Domain, DomainID: a.DomainID, ProjectID: projectID, HTTPClient: hc})
		},
		mock: func(o *mock.Options) config.Auth {
			a := config.Auth{User: "nicconform", Password: "pw-" + fresh(20), Domain: mock.DefaultDomain}
			o.Users = []mock.User{{Name: a.User, Password: a.Password, Domain: a.Domain}}
			return a
		},
	},
}
