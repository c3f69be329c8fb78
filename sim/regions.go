package sim

// awsRegions are the regions of every AWS partition, as the endpoint
// rules of aws-sdk-go-v2 v1.48.0 (internal/endpoints/awsrulesfn) list them.
// A credential scope must name one of these or one of the scenario's
// regions: anything else is refused the way AWS refuses it, so that no
// client can make up regions (and with them new keys of the call counters).
var awsRegions = map[string]bool{
	"af-south-1": true, "ap-east-1": true, "ap-east-2": true, "ap-northeast-1": true, "ap-northeast-2": true,
	"ap-northeast-3": true, "ap-south-1": true, "ap-south-2": true, "ap-southeast-1": true, "ap-southeast-2": true,
	"ap-southeast-3": true, "ap-southeast-4": true, "ap-southeast-5": true, "ap-southeast-6": true, "ap-southeast-7": true,
	"ca-central-1": true, "ca-west-1": true, "cn-north-1": true, "cn-northwest-1": true,
	"eu-central-1": true, "eu-central-2": true, "eu-isoe-west-1": true, "eu-north-1": true, "eu-south-1": true,
	"eu-south-2": true, "eu-west-1": true, "eu-west-2": true, "eu-west-3": true, "eusc-de-east-1": true,
	"il-central-1": true, "me-central-1": true, "me-south-1": true, "me-west-1": true, "mx-central-1": true,
	"sa-east-1": true, "sa-west-1": true, "us-east-1": true, "us-east-2": true, "us-gov-east-1": true,
	"us-gov-west-1": true, "us-iso-east-1": true, "us-iso-west-1": true, "us-isob-east-1": true, "us-isob-west-1": true,
	"us-isof-east-1": true, "us-isof-south-1": true, "us-west-1": true, "us-west-2": true,
}

// validRegion reports whether a credential scope's region is one the
// simulator answers in: an AWS region, or a region of the scenario.
func (w *world) validRegion(r string) bool {
	if awsRegions[r] {
		return true
	}
	for _, sr := range w.regions {
		if sr == r {
			return true
		}
	}
	return false
}

// errInvalidRegion is AWS's answer to a request signed for a region that
// does not exist: SignatureDoesNotMatch (403) from Query services,
// InvalidSignatureException (400) from JSON ones, "Credential should be
// scoped to a valid region, not 'xx-yyyy-1'." (as aws-sdk-go#156 and
// aws-sdk-ruby#508 quote it; the JSON status as the DynamoDB developer
// guide's "Error handling" lists InvalidSignatureException). The region is
// cut short in the message.
func errInvalidRegion(jsonProto bool, region string) *apiError {
	e := newErr("SignatureDoesNotMatch", 403, "Credential should be scoped to a valid region, not '%s'. ", truncate(region, 64))
	if jsonProto {
		e.Code, e.Status = "InvalidSignatureException", 400
	}
	return e
}
