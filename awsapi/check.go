package awsapi

import (
	"drorch/ref"
	"drorch/resource"
)

// Compile-time proof that *Clients is every cloud interface drorch needs.
var (
	_ resource.Reader           = (*Clients)(nil)
	_ resource.GlobalClusterAPI = (*Clients)(nil)
	_ resource.ClusterAPI       = (*Clients)(nil)
	_ resource.InstanceAPI      = (*Clients)(nil)
	_ resource.DatastoreAPI     = (*Clients)(nil)
	_ resource.Identity         = (*Clients)(nil)
	_ ref.Exports               = (*Clients)(nil)
	_ ref.Parameters            = (*Clients)(nil)
)
