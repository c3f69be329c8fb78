package awsapi

import (
	"context"
	"errors"
	"fmt"
)

// ErrNoCredentials is returned by CheckCredentials when the credential
// chain finds none.
var ErrNoCredentials = errors.New("no AWS credentials found")

// CheckCredentials asks the credential chain (environment, profile, SSO,
// container and instance roles) for credentials, under the per-call
// timeout, so that a machine with none is told so in those words before
// any API call fails for a reason that seems to be something else.
func (c *Clients) CheckCredentials(ctx context.Context) error {
	if c.base.Credentials == nil {
		return fmt.Errorf("%w: the AWS configuration has no credential provider", ErrNoCredentials)
	}
	cctx, cancel := context.WithTimeout(ctx, c.conf.CallTimeout)
	defer cancel()
	_, err := c.base.Credentials.Retrieve(cctx)
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("look for AWS credentials: %w", ctx.Err())
	}
	return fmt.Errorf("%w (the chain tried the environment, the shared config and credentials files, SSO and instance roles; last: %v)", ErrNoCredentials, innermost(err))
}
