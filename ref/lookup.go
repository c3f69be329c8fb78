package ref

import "context"

// Export is one CloudFormation export: the target of an `!Import <Name>`.
type Export struct {
	Name  string
	Value string
}

// Exports lists the CloudFormation exports of a region one page at a time.
// nextToken "" asks for the first page; a returned token of "" means there
// are no more pages. The AWS adapter implements it with ListExports.
type Exports interface {
	ListExports(ctx context.Context, region, nextToken string) ([]Export, string, error)
}

// The SSM parameter types.
const (
	TypeString       = "String"
	TypeStringList   = "StringList"
	TypeSecureString = "SecureString"
)

// Parameter is one SSM parameter: the target of `resolve:ssm:<name>`.
// Type is String, StringList or SecureString; Value is decrypted when it was
// asked for with decryption.
type Parameter struct {
	Name    string
	Type    string
	Value   string
	Version int64
}

// Parameters reads SSM parameters. name is a parameter name (or ARN),
// optionally followed by ":<version>" as SSM takes it. A parameter or
// version that does not exist must be reported as an error matching
// cloud.ErrNotFound (the AWS adapter returns a *cloud.APIError of kind
// KindNotFound with code ParameterNotFound or ParameterVersionNotFound).
type Parameters interface {
	GetParameter(ctx context.Context, region, name string, withDecryption bool) (Parameter, error)
}
