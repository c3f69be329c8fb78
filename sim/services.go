package sim

import (
	"slices"
	"strings"
)

// simulated is the service table: the one place that says which services
// the simulator serves. Adding a service is adding its file and one entry
// to serviceTable. It is built once and only read afterwards (handlers are
// plain functions over the world, so every Sim can share it).
var simulated = serviceTable()

// knownService reports whether a SigV4 signing name is simulated.
func knownService(name string) bool { return simulated[name] != nil }

// serviceNames lists the simulated services' signing names, sorted, for
// error messages.
func serviceNames() string {
	names := make([]string, 0, len(simulated))
	for n := range simulated {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// serviceTable lists the simulated services and their actions.
func serviceTable() map[string]*service {
	rds := &service{name: "rds", version: "2014-10-31", ns: "http://rds.amazonaws.com/doc/2014-10-31/",
		query: map[string]queryHandler{
			"DescribeGlobalClusters":      describeGlobalClusters,
			"CreateGlobalCluster":         createGlobalCluster,
			"DeleteGlobalCluster":         deleteGlobalCluster,
			"SwitchoverGlobalCluster":     switchoverGlobalCluster,
			"FailoverGlobalCluster":       failoverGlobalCluster,
			"RemoveFromGlobalCluster":     removeFromGlobalCluster,
			"DescribeDBClusters":          describeDBClusters,
			"CreateDBCluster":             createDBCluster,
			"DeleteDBCluster":             deleteDBCluster,
			"DescribeDBInstances":         describeDBInstances,
			"CreateDBInstance":            createDBInstance,
			"DeleteDBInstance":            deleteDBInstance,
			"CreateDBInstanceReadReplica": createDBInstanceReadReplica,
			"PromoteReadReplica":          promoteReadReplica,
			"DescribeDBClusterSnapshots":  describeDBClusterSnapshots,
			"DescribeDBSnapshots":         describeDBSnapshots,
		}}
	elasticache := &service{name: "elasticache", version: "2015-02-02", ns: "http://elasticache.amazonaws.com/doc/2015-02-02/",
		query: map[string]queryHandler{
			"DescribeGlobalReplicationGroups": describeGlobalReplicationGroups,
			"FailoverGlobalReplicationGroup":  failoverGlobalReplicationGroup,
			"DescribeReplicationGroups":       describeReplicationGroups,
		}}
	cfn := &service{name: "cloudformation", version: "2010-05-15", ns: "http://cloudformation.amazonaws.com/doc/2010-05-15/",
		query: map[string]queryHandler{"ListExports": listExports}}
	sns := &service{name: "sns", version: "2010-03-31", ns: "http://sns.amazonaws.com/doc/2010-03-31/",
		query: map[string]queryHandler{"Publish": publish}}
	sts := &service{name: "sts", version: "2011-06-15", ns: "https://sts.amazonaws.com/doc/2011-06-15/",
		query: map[string]queryHandler{"GetCallerIdentity": getCallerIdentity}}
	ssm := &service{name: "ssm", json: true, target: "AmazonSSM",
		jsonOps: map[string]jsonHandler{"GetParameter": getParameter}}
	monitoring := &service{name: "monitoring", rpc: &rpcService{
		name: "GraniteServiceVersion20100801", namespace: "com.amazonaws.cloudwatch", errShapes: cwErrShapes,
		ops: map[string]rpcHandler{
			"GetMetricData":       getMetricData,
			"GetMetricStatistics": getMetricStatistics,
		}}}
	iam := &service{name: "iam", version: "2010-05-08", ns: "https://iam.amazonaws.com/doc/2010-05-08/",
		query: map[string]queryHandler{"SimulatePrincipalPolicy": simulatePrincipalPolicy}}
	out := map[string]*service{}
	for _, s := range []*service{rds, elasticache, cfn, sns, sts, ssm, monitoring, iam, dynamodbService()} {
		out[s.name] = s
	}
	return out
}
