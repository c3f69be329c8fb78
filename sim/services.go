package sim

// serviceTable lists the simulated services and their actions. It is built
// once per Sim and only read afterwards.
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
	out := map[string]*service{}
	for _, s := range []*service{rds, elasticache, cfn, sns, sts, ssm} {
		out[s.name] = s
	}
	return out
}
