package sim

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

//go:embed scenarios/*.yaml
var builtinScenarios embed.FS

// Scenario is the starting world of a simulator: regions, resources,
// exports, parameters and topics, plus optional duration overrides. It is
// loaded from YAML or JSON (LoadScenario, ParseScenario) or built in Go
// (NewScenario and its Add methods). Omitted fields get the defaults of an
// ordinary AWS setup (ports, classes, statuses all `available`).
type Scenario struct {
	Name    string `yaml:"name" json:"name"`
	Account string `yaml:"account" json:"account"` // default 123456789012
	// Principals are the account's IAM roles and users with their identity
	// policies (iam:SimulatePrincipalPolicy); Caller is the ARN of the one
	// STS GetCallerIdentity answers as (default: the first). Without
	// principals the caller is user/drorch-sim, allowed everything.
	Principals []ScenarioPrincipal `yaml:"principals" json:"principals"`
	Caller     string              `yaml:"caller" json:"caller"`
	// Regions lists every region that holds something; the first is the
	// primary. DefaultRegion is the one `drorch sim` tells clients to use.
	Regions       []string `yaml:"regions" json:"regions"`
	DefaultRegion string   `yaml:"defaultRegion" json:"defaultRegion"`
	// Start is the virtual time the simulator starts at (default: the
	// clock's time when the simulator is made).
	Start     time.Time `yaml:"start" json:"start"`
	Durations Durations `yaml:"durations" json:"durations"`

	GlobalClusters          []ScenarioGlobalCluster `yaml:"globalClusters" json:"globalClusters"`
	Clusters                []ScenarioCluster       `yaml:"clusters" json:"clusters"`
	Instances               []ScenarioInstance      `yaml:"instances" json:"instances"`
	GlobalReplicationGroups []ScenarioGlobalRG      `yaml:"globalReplicationGroups" json:"globalReplicationGroups"`
	ReplicationGroups       []ScenarioRG            `yaml:"replicationGroups" json:"replicationGroups"`
	// ExportStack names the stack that exports everything (default App-Stack).
	ExportStack string `yaml:"exportStack" json:"exportStack"`
	// Exports maps region -> export name -> value.
	Exports    map[string]map[string]string `yaml:"exports" json:"exports"`
	Parameters []ScenarioParameter          `yaml:"parameters" json:"parameters"`
	// Topics are SNS topic names; each exists in every region of Regions.
	Topics []string `yaml:"topics" json:"topics"`
	// Tables are DynamoDB tables, ACTIVE from the start.
	Tables []ScenarioTable `yaml:"tables" json:"tables"`
}

// ScenarioTable is a DynamoDB table: a partition key, optionally a sort
// key (types S, N or B; default S), on-demand billing unless
// ReadCapacity/WriteCapacity are set, and optionally a TTL attribute.
type ScenarioTable struct {
	Name             string `yaml:"name" json:"name"`
	Region           string `yaml:"region" json:"region"`
	PartitionKey     string `yaml:"partitionKey" json:"partitionKey"`
	PartitionKeyType string `yaml:"partitionKeyType" json:"partitionKeyType"`
	SortKey          string `yaml:"sortKey" json:"sortKey"`
	SortKeyType      string `yaml:"sortKeyType" json:"sortKeyType"`
	ReadCapacity     int64  `yaml:"readCapacity" json:"readCapacity"`
	WriteCapacity    int64  `yaml:"writeCapacity" json:"writeCapacity"`
	TTLAttribute     string `yaml:"ttlAttribute" json:"ttlAttribute"`
}

// ScenarioGlobalCluster is an Aurora or DocumentDB global cluster; its
// members are the clusters that name it. StorageEncrypted must match its
// members': AWS takes a global cluster's encryption from its primary. A
// global cluster has no KMS key of its own; each member cluster names the
// key of its Region (kmsKeyId).
type ScenarioGlobalCluster struct {
	ID                 string `yaml:"id" json:"id"`
	Engine             string `yaml:"engine" json:"engine"`
	EngineVersion      string `yaml:"engineVersion" json:"engineVersion"`
	StorageEncrypted   bool   `yaml:"storageEncrypted" json:"storageEncrypted"`
	DeletionProtection bool   `yaml:"deletionProtection" json:"deletionProtection"`
	DatabaseName       string `yaml:"databaseName" json:"databaseName"`
}

// ScenarioCluster is an Aurora or DocumentDB cluster. GlobalCluster joins it
// to a global cluster, Writer makes it that global cluster's primary.
// StorageEncrypted without KmsKeyID encrypts with the account's default
// key of the Region (aws/rds), as CreateDBCluster does; a KmsKeyID ARN
// must name the cluster's own Region.
type ScenarioCluster struct {
	ID                 string   `yaml:"id" json:"id"`
	Region             string   `yaml:"region" json:"region"`
	Engine             string   `yaml:"engine" json:"engine"`
	EngineVersion      string   `yaml:"engineVersion" json:"engineVersion"`
	Port               int      `yaml:"port" json:"port"`
	DBSubnetGroup      string   `yaml:"dbSubnetGroup" json:"dbSubnetGroup"`
	VpcSecurityGroups  []string `yaml:"vpcSecurityGroupIds" json:"vpcSecurityGroupIds"`
	KmsKeyID           string   `yaml:"kmsKeyId" json:"kmsKeyId"`
	StorageEncrypted   bool     `yaml:"storageEncrypted" json:"storageEncrypted"`
	DeletionProtection bool     `yaml:"deletionProtection" json:"deletionProtection"`
	// BackupRetentionPeriod is the automated backup retention in days
	// (omitted: 1, AWS's default for CreateDBCluster).
	BackupRetentionPeriod *int   `yaml:"backupRetentionPeriod" json:"backupRetentionPeriod"`
	GlobalCluster         string `yaml:"globalCluster" json:"globalCluster"`
	Writer                bool   `yaml:"writer" json:"writer"`
	// ParameterGroup is the DB cluster parameter group (default
	// default.<engine><major version>, as AWS names its defaults).
	ParameterGroup string `yaml:"parameterGroup" json:"parameterGroup"`
	Status         string `yaml:"status" json:"status"`
	// Instances of the cluster; the first of a writer or stand-alone
	// cluster is its writer instance.
	Instances []ScenarioInstance `yaml:"instances" json:"instances"`
}

// ScenarioInstance is an RDS instance: an Aurora member (inside a
// ScenarioCluster) or stand-alone (in Scenario.Instances), optionally a read
// replica of ReplicaOf (an id in the same region, or an instance ARN).
type ScenarioInstance struct {
	ID                 string   `yaml:"id" json:"id"`
	Region             string   `yaml:"region" json:"region"`
	Engine             string   `yaml:"engine" json:"engine"`
	EngineVersion      string   `yaml:"engineVersion" json:"engineVersion"`
	Class              string   `yaml:"class" json:"class"`
	Port               int      `yaml:"port" json:"port"`
	DBSubnetGroup      string   `yaml:"dbSubnetGroup" json:"dbSubnetGroup"`
	VpcSecurityGroups  []string `yaml:"vpcSecurityGroupIds" json:"vpcSecurityGroupIds"`
	KmsKeyID           string   `yaml:"kmsKeyId" json:"kmsKeyId"`
	StorageEncrypted   bool     `yaml:"storageEncrypted" json:"storageEncrypted"`
	MultiAZ            bool     `yaml:"multiAZ" json:"multiAZ"`
	DeletionProtection bool     `yaml:"deletionProtection" json:"deletionProtection"`
	// BackupRetentionPeriod is the automated backup retention in days
	// (omitted: 1, AWS's default for CreateDBInstance; 0 for a read replica,
	// as CreateDBInstanceReadReplica makes it). A source of read replicas
	// needs more than 0.
	BackupRetentionPeriod *int   `yaml:"backupRetentionPeriod" json:"backupRetentionPeriod"`
	ReplicaOf             string `yaml:"replicaOf" json:"replicaOf"`
	Status                string `yaml:"status" json:"status"`
	// ParameterGroup is the DB parameter group (default
	// default.<engine><major version>).
	ParameterGroup string `yaml:"parameterGroup" json:"parameterGroup"`
}

// ScenarioGlobalRG is an ElastiCache global datastore; its members are the
// replication groups that name it.
type ScenarioGlobalRG struct {
	ID            string `yaml:"id" json:"id"`
	Description   string `yaml:"description" json:"description"`
	Engine        string `yaml:"engine" json:"engine"`
	EngineVersion string `yaml:"engineVersion" json:"engineVersion"`
	CacheNodeType string `yaml:"cacheNodeType" json:"cacheNodeType"`
}

// ScenarioRG is an ElastiCache replication group, optionally a member
// (Role PRIMARY or SECONDARY) of GlobalReplicationGroup.
type ScenarioRG struct {
	ID                     string `yaml:"id" json:"id"`
	Region                 string `yaml:"region" json:"region"`
	Description            string `yaml:"description" json:"description"`
	Port                   int    `yaml:"port" json:"port"`
	Nodes                  int    `yaml:"nodes" json:"nodes"`
	CacheNodeType          string `yaml:"cacheNodeType" json:"cacheNodeType"`
	GlobalReplicationGroup string `yaml:"globalReplicationGroup" json:"globalReplicationGroup"`
	Role                   string `yaml:"role" json:"role"`
}

// ScenarioParameter is an SSM parameter; an empty Region puts it in every
// region of the scenario.
type ScenarioParameter struct {
	Region string `yaml:"region" json:"region"`
	Name   string `yaml:"name" json:"name"`
	Type   string `yaml:"type" json:"type"` // default String
	Value  string `yaml:"value" json:"value"`
}

// Durations overrides the default operation durations, in virtual seconds
// (zero keeps the default of DefaultDurations).
type Durations struct {
	Switchover           float64 `yaml:"switchover" json:"switchover"`
	Failover             float64 `yaml:"failover" json:"failover"`
	Detach               float64 `yaml:"detach" json:"detach"`
	CreateGlobalCluster  float64 `yaml:"createGlobalCluster" json:"createGlobalCluster"`
	DeleteGlobalCluster  float64 `yaml:"deleteGlobalCluster" json:"deleteGlobalCluster"`
	CreateCluster        float64 `yaml:"createCluster" json:"createCluster"`
	CreateInstance       float64 `yaml:"createInstance" json:"createInstance"`
	DeleteAuroraInstance float64 `yaml:"deleteAuroraInstance" json:"deleteAuroraInstance"`
	DeleteCluster        float64 `yaml:"deleteCluster" json:"deleteCluster"`
	CreateReadReplica    float64 `yaml:"createReadReplica" json:"createReadReplica"`
	PromoteReadReplica   float64 `yaml:"promoteReadReplica" json:"promoteReadReplica"`
	DeleteInstance       float64 `yaml:"deleteInstance" json:"deleteInstance"`
	ElastiCacheFailover  float64 `yaml:"elastiCacheFailover" json:"elastiCacheFailover"`
	Resync               float64 `yaml:"resync" json:"resync"`
	// DetachDelay is how long a cluster removed from its global cluster
	// (RemoveFromGlobalCluster) is still listed as a member, IsWriter
	// false, before it leaves; Detach is how long it stays promoting.
	DetachDelay float64 `yaml:"detachDelay" json:"detachDelay"`
	// ClusterSnapshot and InstanceSnapshot are how long a final snapshot
	// of DeleteDBCluster / DeleteDBInstance takes before the deletion
	// proper begins.
	ClusterSnapshot  float64 `yaml:"clusterSnapshot" json:"clusterSnapshot"`
	InstanceSnapshot float64 `yaml:"instanceSnapshot" json:"instanceSnapshot"`
	// CreateTable and DeleteTable are how long a DynamoDB table stays
	// CREATING or DELETING.
	CreateTable float64 `yaml:"createTable" json:"createTable"`
	DeleteTable float64 `yaml:"deleteTable" json:"deleteTable"`
}

// DefaultDurations are the realistic defaults, in virtual seconds.
//
// DetachDelay is 20 s. AWS publishes no figure: RemoveFromGlobalCluster's
// answer still lists the cluster (CLI reference example
// remove-from-global-cluster, https://docs.aws.amazon.com/cli/latest/reference/rds/remove-from-global-cluster.html),
// and clients poll until it has gone (the Terraform provider waits in
// waitForGlobalClusterRemoval, then for the cluster to leave `promoting`,
// hashicorp/terraform-provider-aws#40333). 20 s sits in the seconds to
// tens of seconds those polls cover, and ends before Detach (30 s), since
// the cluster is still promoting once it has left the member list.
// ClusterSnapshot and InstanceSnapshot (120 s) are likewise choices: a
// snapshot of a small database takes minutes at most.
func DefaultDurations() Durations {
	return Durations{
		Switchover: 60, Failover: 45, Detach: 30, CreateGlobalCluster: 5,
		DeleteGlobalCluster: 5, CreateCluster: 600, CreateInstance: 480,
		DeleteAuroraInstance: 120, DeleteCluster: 180, CreateReadReplica: 900,
		PromoteReadReplica: 90, DeleteInstance: 300, ElastiCacheFailover: 60,
		Resync: 30, DetachDelay: 20, ClusterSnapshot: 120, InstanceSnapshot: 120,
		CreateTable: 5, DeleteTable: 5,
	}
}

// withDefaults fills every zero duration from DefaultDurations.
func (d Durations) withDefaults() Durations {
	def := DefaultDurations()
	fill := func(v *float64, dv float64) {
		if *v <= 0 {
			*v = dv
		}
	}
	fill(&d.Switchover, def.Switchover)
	fill(&d.Failover, def.Failover)
	fill(&d.Detach, def.Detach)
	fill(&d.CreateGlobalCluster, def.CreateGlobalCluster)
	fill(&d.DeleteGlobalCluster, def.DeleteGlobalCluster)
	fill(&d.CreateCluster, def.CreateCluster)
	fill(&d.CreateInstance, def.CreateInstance)
	fill(&d.DeleteAuroraInstance, def.DeleteAuroraInstance)
	fill(&d.DeleteCluster, def.DeleteCluster)
	fill(&d.CreateReadReplica, def.CreateReadReplica)
	fill(&d.PromoteReadReplica, def.PromoteReadReplica)
	fill(&d.DeleteInstance, def.DeleteInstance)
	fill(&d.ElastiCacheFailover, def.ElastiCacheFailover)
	fill(&d.Resync, def.Resync)
	fill(&d.DetachDelay, def.DetachDelay)
	fill(&d.ClusterSnapshot, def.ClusterSnapshot)
	fill(&d.InstanceSnapshot, def.InstanceSnapshot)
	fill(&d.CreateTable, def.CreateTable)
	fill(&d.DeleteTable, def.DeleteTable)
	return d
}

// seconds converts virtual seconds to a duration.
func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// BuiltinScenarios lists the names LoadScenario knows without a file.
func BuiltinScenarios() []string { return []string{"seed"} }

// SeedScenario returns the built-in `seed` scenario: the original
// framework's demo topology in us-east-1 (primary) and us-west-2 (DR).
func SeedScenario() *Scenario {
	sc, err := LoadScenario("seed")
	if err != nil {
		// The embedded file is tested; failing here is a build defect.
		panic(fmt.Sprintf("sim: embedded seed scenario: %v", err))
	}
	return sc
}

// LoadScenario loads a built-in scenario by name ("seed") or a YAML or JSON
// scenario file by path.
func LoadScenario(nameOrPath string) (*Scenario, error) {
	for _, name := range BuiltinScenarios() {
		if nameOrPath == name {
			data, err := builtinScenarios.ReadFile("scenarios/" + name + ".yaml")
			if err != nil {
				return nil, fmt.Errorf("load scenario %s: %w", name, err)
			}
			return ParseScenario(data)
		}
	}
	data, err := os.ReadFile(nameOrPath)
	if err != nil {
		return nil, fmt.Errorf("load scenario %s: %w (built-in scenarios: %s)", nameOrPath, err, strings.Join(BuiltinScenarios(), ", "))
	}
	sc, err := ParseScenario(data)
	if err != nil {
		return nil, fmt.Errorf("load scenario %s: %w", nameOrPath, err)
	}
	return sc, nil
}

// ParseScenario decodes a scenario from YAML or JSON (JSON is YAML) and
// checks it. Unknown fields are errors, so that a typo is not a silent gap
// in the world.
func ParseScenario(data []byte) (*Scenario, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var sc Scenario
	if err := dec.Decode(&sc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("parse scenario: empty document")
		}
		return nil, fmt.Errorf("parse scenario: %w", err)
	}
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	return &sc, nil
}
