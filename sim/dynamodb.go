package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// DynamoDB over JSON 1.0 (X-Amz-Target DynamoDB_20120810.<Op>), as the
// DynamoDB API Reference and botocore's dynamodb/2012-08-10 model describe
// it: tables (this file), items (dynamodb_items.go), transactions and
// batches (dynamodb_txn.go). Tables are regional. Secondary indexes,
// streams, global tables and PartiQL are not simulated (CreateTable with
// an index is refused with a ValidationException that says so). Items
// whose TTL has passed are not deleted: AWS deletes them within days, so
// readers must check expiry themselves, and so must clients of the
// simulator.

// dynamodbService is DynamoDB's entry in the service table.
func dynamodbService() *service {
	// A transaction carries up to 4 MB of items (TransactWriteItems in
	// the API Reference), plus its expressions.
	return &service{name: "dynamodb", json: true, jsonVersion: "1.0", target: "DynamoDB_20120810", errType: ddbErrType,
		maxBody: 4<<20 + 256<<10,
		jsonOps: map[string]jsonHandler{
			"CreateTable": createTable, "DescribeTable": describeTable, "DeleteTable": deleteTable,
			"ListTables": listTables, "UpdateTimeToLive": updateTimeToLive, "DescribeTimeToLive": describeTimeToLive,
			"PutItem": putItem, "GetItem": getItem, "UpdateItem": updateItem, "DeleteItem": deleteItem,
			"Query": query, "Scan": scan, "TransactWriteItems": transactWriteItems, "BatchGetItem": batchGetItem,
		}}
}

// ddbErrType is the __type DynamoDB sends for an error code: the
// service's own errors in its namespace, the protocol's and throttling's in
// those of the framework behind it (as DynamoDB's answers show them, e.g.
// com.amazon.coral.validate#ValidationException).
func ddbErrType(code string) string {
	switch code {
	case "ValidationException":
		return "com.amazon.coral.validate#" + code
	case "ThrottlingException":
		return "com.amazon.coral.availability#" + code
	case "SerializationException", "UnknownOperationException", "InvalidSignatureException",
		"IncompleteSignatureException", "MissingAuthenticationTokenException", "UnrecognizedClientException",
		"AccessDeniedException", "RequestEntityTooLarge", "IncompleteBody", "ServiceUnavailable":
		return "com.amazon.coral.service#" + code
	}
	return "com.amazonaws.dynamodb.v20120810#" + code
}

// ddbControlPlane lists the actions DynamoDB throttles with
// ThrottlingException; item actions get ProvisionedThroughputExceeded.
var ddbControlPlane = map[string]bool{"CreateTable": true, "DescribeTable": true, "DeleteTable": true,
	"ListTables": true, "UpdateTimeToLive": true, "DescribeTimeToLive": true}

// Simulator bounds on what clients can store (AWS's own are far larger
// and priced): tables per region (AWS's default quota is 2,500) and bytes
// of items per region.
const (
	maxTablesPerRegion = 256
	maxRegionItemBytes = 64 << 20
)

// ddbTable is a DynamoDB table and its items.
type ddbTable struct {
	Name, Region, ID   string
	Created            time.Time
	Status             string // CREATING, ACTIVE, DELETING
	Hash, Range        keyAttr
	Billing            string // PROVISIONED or PAY_PER_REQUEST
	RCU, WCU           int64
	DeletionProtection bool
	TTLAttr            string
	TTLEnabled         bool
	items              map[string]item // by itemKey
	bytes              int
}

// keyAttr is a key attribute: name and type (S, N or B).
type keyAttr struct{ Name, Type string }

// keyNames lists the table's key attribute names.
func (t *ddbTable) keyNames() []string {
	if t.Range.Name == "" {
		return []string{t.Hash.Name}
	}
	return []string{t.Hash.Name, t.Range.Name}
}

// itemKey encodes an item's primary key (validated before).
func (t *ddbTable) itemKey(it item) string {
	k := it[t.Hash.Name].keyString()
	if t.Range.Name != "" {
		k += "\x01" + it[t.Range.Name].keyString()
	}
	return k
}

// ddbDecode reads a request body; a value DynamoDB refuses comes back as
// its ValidationException, anything else unreadable as a
// SerializationException.
func ddbDecode(c *call, v any) *apiError {
	if jsonDepth(c.body) > maxJSONDepth {
		return ddbValidation("Nesting Levels have exceeded supported limits")
	}
	if err := json.NewDecoder(bytes.NewReader(c.body)).Decode(v); err != nil {
		var aerr *apiError
		if errors.As(err, &aerr) {
			return aerr
		}
		return newErr("SerializationException", 400, "Start of structure or map found where not expected.")
	}
	return nil
}

// maxJSONDepth bounds a request's nesting before it is decoded: DynamoDB
// nests attribute values at most 32 deep (two JSON levels each) under a few
// levels of request structure. Attribute values decode themselves level by
// level, so an unbounded depth would cost quadratic time.
const maxJSONDepth = 2*32 + 12

// jsonDepth is the deepest nesting of objects and arrays in data.
func jsonDepth(data []byte) int {
	depth, deepest, inString, escaped := 0, 0, false, false
	for _, b := range data {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case b == '\\':
				escaped = true
			case b == '"':
				inString = false
			}
		case b == '"':
			inString = true
		case b == '{' || b == '[':
			depth++
			deepest = max(deepest, depth)
		case b == '}' || b == ']':
			depth--
		}
	}
	return deepest
}

var tableNameRE = regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`)

// checkTableName applies DynamoDB's TableName constraints.
func checkTableName(name string) *apiError {
	switch {
	case name == "":
		return ddbValidation("1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null")
	case len(name) < 3 || len(name) > 255:
		return ddbValidation("1 validation error detected: Value '%s' at 'tableName' failed to satisfy constraint: Member must have length less than or equal to 255, Member must have length greater than or equal to 3", truncate(name, 255))
	case !tableNameRE.MatchString(name):
		return ddbValidation("1 validation error detected: Value '%s' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+", truncate(name, 255))
	}
	return nil
}

func errTableNotFound(name string) *apiError {
	return newErr("ResourceNotFoundException", 400, "Requested resource not found: Table: %s not found", truncate(name, 255))
}

// activeTable finds a table that item calls may use (ACTIVE).
func (c *call) activeTable(name string) (*ddbTable, *apiError) {
	if aerr := checkTableName(name); aerr != nil {
		return nil, aerr
	}
	c.tgt = name
	t := c.w.tables[key{c.region, name}]
	if t == nil || t.Status != "ACTIVE" {
		return nil, newErr("ResourceNotFoundException", 400, "Requested resource not found")
	}
	return t, nil
}

type keySchemaElement struct {
	AttributeName string `json:"AttributeName"`
	KeyType       string `json:"KeyType"`
}

type attributeDefinition struct {
	AttributeName string `json:"AttributeName"`
	AttributeType string `json:"AttributeType"`
}

type provisionedThroughput struct {
	ReadCapacityUnits  *int64 `json:"ReadCapacityUnits"`
	WriteCapacityUnits *int64 `json:"WriteCapacityUnits"`
}

type createTableInput struct {
	TableName                 string                `json:"TableName"`
	KeySchema                 []keySchemaElement    `json:"KeySchema"`
	AttributeDefinitions      []attributeDefinition `json:"AttributeDefinitions"`
	BillingMode               string                `json:"BillingMode"`
	ProvisionedThroughput     *provisionedThroughput
	DeletionProtectionEnabled bool              `json:"DeletionProtectionEnabled"`
	GlobalSecondaryIndexes    []json.RawMessage `json:"GlobalSecondaryIndexes"`
	LocalSecondaryIndexes     []json.RawMessage `json:"LocalSecondaryIndexes"`
	StreamSpecification       json.RawMessage   `json:"StreamSpecification"`
}

func createTable(c *call) (any, *apiError) {
	var in createTableInput
	if aerr := ddbDecode(c, &in); aerr != nil {
		return nil, aerr
	}
	if aerr := checkTableName(in.TableName); aerr != nil {
		return nil, aerr
	}
	if len(in.GlobalSecondaryIndexes) > 0 || len(in.LocalSecondaryIndexes) > 0 || len(in.StreamSpecification) > 0 {
		return nil, ddbValidation("drorch sim does not simulate secondary indexes or streams; create the table without them")
	}
	t, aerr := newTable(c.region, in)
	if aerr != nil {
		return nil, aerr
	}
	w := c.w
	if w.tables[key{c.region, t.Name}] != nil {
		return nil, newErr("ResourceInUseException", 400, "Table already exists: %s", t.Name)
	}
	if w.tableCount(c.region) >= maxTablesPerRegion {
		return nil, newErr("LimitExceededException", 400, "drorch sim keeps at most %d tables per region; delete some first.", maxTablesPerRegion)
	}
	t.Status, t.Created = "CREATING", w.now
	t.ID = stableUUID("dynamodb", c.region, t.Name, w.now.String())
	w.tables[key{c.region, t.Name}] = t
	w.followUp("CreateTable", t.Name, c.region, seconds(w.dur.CreateTable), func() {
		if t.Status == "CREATING" {
			t.Status = "ACTIVE"
		}
	})
	return map[string]any{"TableDescription": w.tableDescription(t)}, nil
}

// newTable checks a table definition as CreateTable does.
func newTable(region string, in createTableInput) (*ddbTable, *apiError) {
	t := &ddbTable{Name: in.TableName, Region: region, items: map[string]item{}, DeletionProtection: in.DeletionProtectionEnabled}
	if len(in.KeySchema) == 0 || len(in.KeySchema) > 2 {
		return nil, ddbValidation("1 validation error detected: Value '%d' at 'keySchema' failed to satisfy constraint: Member must have length less than or equal to 2, Member must have length greater than or equal to 1", len(in.KeySchema))
	}
	types := map[string]string{}
	for _, d := range in.AttributeDefinitions {
		if d.AttributeType != "S" && d.AttributeType != "N" && d.AttributeType != "B" {
			return nil, ddbValidation("1 validation error detected: Value '%s' at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]", truncate(d.AttributeType, 16))
		}
		if d.AttributeName == "" || len(d.AttributeName) > 255 {
			return nil, ddbValidation("One or more parameter values were invalid: An attribute name must be between 1 and 255 characters")
		}
		if _, dup := types[d.AttributeName]; dup {
			return nil, ddbValidation("Cannot have two attributes with the same name")
		}
		types[d.AttributeName] = d.AttributeType
	}
	for i, k := range in.KeySchema {
		typ, ok := types[k.AttributeName]
		if !ok {
			return nil, ddbValidation("One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [%s], AttributeDefinitions: [%s]",
				truncate(k.AttributeName, 255), truncate(strings.Join(sortedKeys(types), ", "), 300))
		}
		switch {
		case i == 0 && k.KeyType == "HASH":
			t.Hash = keyAttr{k.AttributeName, typ}
		case i == 1 && k.KeyType == "RANGE":
			t.Range = keyAttr{k.AttributeName, typ}
		case k.KeyType != "HASH" && k.KeyType != "RANGE":
			return nil, ddbValidation("1 validation error detected: Value '%s' at 'keySchema.%d.member.keyType' failed to satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]", truncate(k.KeyType, 16), i+1)
		default:
			return nil, ddbValidation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
		}
	}
	if t.Range.Name == t.Hash.Name {
		return nil, ddbValidation("Both the Hash Key and the Range Key element in the KeySchema have the same name")
	}
	if len(types) != len(in.KeySchema) {
		return nil, ddbValidation("One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions")
	}
	t.Billing = in.BillingMode
	switch in.BillingMode {
	case "", "PROVISIONED":
		t.Billing = "PROVISIONED"
		pt := in.ProvisionedThroughput
		if pt == nil || pt.ReadCapacityUnits == nil || pt.WriteCapacityUnits == nil {
			return nil, ddbValidation("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
		}
		if *pt.ReadCapacityUnits < 1 || *pt.WriteCapacityUnits < 1 {
			return nil, ddbValidation("1 validation error detected: Value '%d' at 'provisionedThroughput.readCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1", min(*pt.ReadCapacityUnits, *pt.WriteCapacityUnits))
		}
		t.RCU, t.WCU = *pt.ReadCapacityUnits, *pt.WriteCapacityUnits
	case "PAY_PER_REQUEST":
		if in.ProvisionedThroughput != nil {
			return nil, ddbValidation("One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
		}
	default:
		return nil, ddbValidation("1 validation error detected: Value '%s' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]", truncate(in.BillingMode, 32))
	}
	return t, nil
}

// addScenarioTable adds a table from a scenario, ACTIVE.
func (w *world) addScenarioTable(st ScenarioTable) {
	def := func(s, d string) string {
		if s == "" {
			return d
		}
		return s
	}
	t := &ddbTable{Name: st.Name, Region: st.Region, Status: "ACTIVE", Created: w.now, items: map[string]item{},
		Hash: keyAttr{st.PartitionKey, def(st.PartitionKeyType, "S")}, Billing: "PAY_PER_REQUEST",
		TTLAttr: st.TTLAttribute, TTLEnabled: st.TTLAttribute != ""}
	if st.SortKey != "" {
		t.Range = keyAttr{st.SortKey, def(st.SortKeyType, "S")}
	}
	if st.ReadCapacity > 0 {
		t.Billing, t.RCU, t.WCU = "PROVISIONED", st.ReadCapacity, st.WriteCapacity
	}
	t.ID = stableUUID("dynamodb", st.Region, st.Name)
	w.tables[key{st.Region, st.Name}] = t
}

func (w *world) tableCount(region string) int {
	n := 0
	for k := range w.tables {
		if k.region == region {
			n++
		}
	}
	return n
}

func (w *world) regionItemBytes(region string) int {
	n := 0
	for k, t := range w.tables {
		if k.region == region {
			n += t.bytes
		}
	}
	return n
}

// tableDescription is DynamoDB's TableDescription shape.
func (w *world) tableDescription(t *ddbTable) map[string]any {
	ks := []keySchemaElement{{t.Hash.Name, "HASH"}}
	defs := []attributeDefinition{{t.Hash.Name, t.Hash.Type}}
	if t.Range.Name != "" {
		ks = append(ks, keySchemaElement{t.Range.Name, "RANGE"})
		defs = append(defs, attributeDefinition{t.Range.Name, t.Range.Type})
	}
	slices.SortFunc(defs, func(a, b attributeDefinition) int { return strings.Compare(a.AttributeName, b.AttributeName) })
	d := map[string]any{
		"TableName": t.Name, "TableStatus": t.Status, "KeySchema": ks, "AttributeDefinitions": defs,
		"CreationDateTime": float64(t.Created.UnixMilli()) / 1000, "ItemCount": len(t.items), "TableSizeBytes": t.bytes,
		"TableArn": fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", t.Region, w.account, t.Name), "TableId": t.ID,
		"ProvisionedThroughput":     map[string]any{"NumberOfDecreasesToday": 0, "ReadCapacityUnits": t.RCU, "WriteCapacityUnits": t.WCU},
		"DeletionProtectionEnabled": t.DeletionProtection,
	}
	if t.Billing == "PAY_PER_REQUEST" {
		d["BillingModeSummary"] = map[string]any{"BillingMode": "PAY_PER_REQUEST", "LastUpdateToPayPerRequestDateTime": float64(t.Created.UnixMilli()) / 1000}
	}
	return d
}

type tableNameInput struct {
	TableName string `json:"TableName"`
}

func describeTable(c *call) (any, *apiError) {
	var in tableNameInput
	if aerr := ddbDecode(c, &in); aerr != nil {
		return nil, aerr
	}
	if aerr := checkTableName(in.TableName); aerr != nil {
		return nil, aerr
	}
	t := c.w.tables[key{c.region, in.TableName}]
	if t == nil {
		return nil, errTableNotFound(in.TableName)
	}
	return map[string]any{"Table": c.w.tableDescription(t)}, nil
}

func deleteTable(c *call) (any, *apiError) {
	var in tableNameInput
	if aerr := ddbDecode(c, &in); aerr != nil {
		return nil, aerr
	}
	if aerr := checkTableName(in.TableName); aerr != nil {
		return nil, aerr
	}
	w := c.w
	t := w.tables[key{c.region, in.TableName}]
	switch {
	case t == nil:
		return nil, errTableNotFound(in.TableName)
	case t.Status != "ACTIVE":
		return nil, newErr("ResourceInUseException", 400, "Attempt to change a resource which is still in use: Table is being %s: %s",
			map[string]string{"CREATING": "created", "DELETING": "deleted"}[t.Status], t.Name)
	case t.DeletionProtection:
		return nil, ddbValidation("Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.")
	}
	t.Status = "DELETING"
	w.followUp("DeleteTable", t.Name, c.region, seconds(w.dur.DeleteTable), func() {
		if w.tables[key{t.Region, t.Name}] == t {
			delete(w.tables, key{t.Region, t.Name})
		}
	})
	return map[string]any{"TableDescription": w.tableDescription(t)}, nil
}

type listTablesInput struct {
	ExclusiveStartTableName string `json:"ExclusiveStartTableName"`
	Limit                   *int   `json:"Limit"`
}

func listTables(c *call) (any, *apiError) {
	var in listTablesInput
	if aerr := ddbDecode(c, &in); aerr != nil {
		return nil, aerr
	}
	limit := 100
	if in.Limit != nil {
		if *in.Limit < 1 || *in.Limit > 100 {
			return nil, ddbValidation("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100, Member must have value greater than or equal to 1", *in.Limit)
		}
		limit = *in.Limit
	}
	var names []string
	for k := range c.w.tables {
		if k.region == c.region && k.id > in.ExclusiveStartTableName {
			names = append(names, k.id)
		}
	}
	slices.Sort(names)
	out := map[string]any{}
	if len(names) > limit {
		names = names[:limit]
		out["LastEvaluatedTableName"] = names[limit-1]
	}
	out["TableNames"] = nonNil(names)
	return out, nil
}

type updateTTLInput struct {
	TableName               string `json:"TableName"`
	TimeToLiveSpecification *struct {
		Enabled       *bool  `json:"Enabled"`
		AttributeName string `json:"AttributeName"`
	} `json:"TimeToLiveSpecification"`
}

func updateTimeToLive(c *call) (any, *apiError) {
	var in updateTTLInput
	if aerr := ddbDecode(c, &in); aerr != nil {
		return nil, aerr
	}
	spec := in.TimeToLiveSpecification
	if spec == nil || spec.Enabled == nil || spec.AttributeName == "" {
		return nil, ddbValidation("1 validation error detected: Value null at 'timeToLiveSpecification' failed to satisfy constraint: Member must not be null")
	}
	t, aerr := c.activeTable(in.TableName)
	if aerr != nil {
		return nil, aerr
	}
	switch {
	case *spec.Enabled && t.TTLEnabled:
		return nil, ddbValidation("TimeToLive is already enabled")
	case !*spec.Enabled && !t.TTLEnabled:
		return nil, ddbValidation("TimeToLive is already disabled")
	case !*spec.Enabled && spec.AttributeName != t.TTLAttr:
		return nil, ddbValidation("TimeToLive is active on a different AttributeName: current AttributeName is %s", t.TTLAttr)
	}
	t.TTLEnabled = *spec.Enabled
	t.TTLAttr = spec.AttributeName
	if !t.TTLEnabled {
		t.TTLAttr = ""
	}
	return map[string]any{"TimeToLiveSpecification": map[string]any{"Enabled": *spec.Enabled, "AttributeName": spec.AttributeName}}, nil
}

func describeTimeToLive(c *call) (any, *apiError) {
	var in tableNameInput
	if aerr := ddbDecode(c, &in); aerr != nil {
		return nil, aerr
	}
	if aerr := checkTableName(in.TableName); aerr != nil {
		return nil, aerr
	}
	t := c.w.tables[key{c.region, in.TableName}]
	if t == nil {
		return nil, errTableNotFound(in.TableName)
	}
	d := map[string]any{"TimeToLiveStatus": "DISABLED"}
	if t.TTLEnabled {
		d = map[string]any{"TimeToLiveStatus": "ENABLED", "AttributeName": t.TTLAttr}
	}
	return map[string]any{"TimeToLiveDescription": d}, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func sortedStrings(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
