package sim_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"drorch/sim"
)

// DynamoDB through aws-sdk-go-v2's own client: what drorch's lock uses,
// and the usual rest.

func (h *harness) ddb(region string) *dynamodb.Client {
	return dynamodb.NewFromConfig(h.cfg(region), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(h.url) })
}

// tableScenario is the seed world plus an ACTIVE lock-like table in west.
func tableScenario() *sim.Scenario {
	sc := sim.SeedScenario()
	sc.Tables = append(sc.Tables, sim.ScenarioTable{Name: "locks", Region: west, PartitionKey: "pk", TTLAttribute: "ttl"},
		sim.ScenarioTable{Name: "events", Region: west, PartitionKey: "pk", SortKey: "sk", SortKeyType: "N"})
	return sc
}

func s(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberS{Value: v} }
func n(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberN{Value: v} }

func TestSDKDynamoDBTables(t *testing.T) {
	t.Parallel()
	h := seedHarness(t)
	ctx := context.Background()
	c := h.ddb(west)
	out, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("drorch-locks"),
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash}},
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatal(err)
	}
	d := out.TableDescription
	if d.TableStatus != ddbtypes.TableStatusCreating || aws.ToString(d.TableArn) != "arn:aws:dynamodb:us-west-2:123456789012:table/drorch-locks" ||
		d.BillingModeSummary == nil || d.BillingModeSummary.BillingMode != ddbtypes.BillingModePayPerRequest || !d.CreationDateTime.Equal(t0) {
		t.Errorf("create table: %+v", d)
	}
	// Items wait for ACTIVE.
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("drorch-locks"), Item: map[string]ddbtypes.AttributeValue{"pk": s("a")}}); apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("put into a CREATING table: %v", err)
	}
	if _, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("drorch-locks"),
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash}},
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
	}); apiCode(err) != "ResourceInUseException" {
		t.Errorf("create twice: %v", err)
	}
	// The SDK's own waiter sees it become ACTIVE.
	h.advance(10 * time.Second)
	w := dynamodb.NewTableExistsWaiter(c, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Millisecond, time.Millisecond
	})
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("drorch-locks")}, 5*time.Second); err != nil {
		t.Fatalf("table exists waiter: %v", err)
	}
	// Tables are regional.
	if _, err := h.ddb(east).DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("drorch-locks")}); apiCode(err) != "ResourceNotFoundException" ||
		!strings.Contains(err.Error(), "Requested resource not found: Table: drorch-locks not found") {
		t.Errorf("describe in another region: %v", err)
	}
	if _, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("drorch-locks"),
		TimeToLiveSpecification: &ddbtypes.TimeToLiveSpecification{Enabled: aws.Bool(true), AttributeName: aws.String("ttl")}}); err != nil {
		t.Fatal(err)
	}
	ttl, err := c.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("drorch-locks")})
	if err != nil || ttl.TimeToLiveDescription.TimeToLiveStatus != ddbtypes.TimeToLiveStatusEnabled || aws.ToString(ttl.TimeToLiveDescription.AttributeName) != "ttl" {
		t.Errorf("describe ttl: %+v %v", ttl, err)
	}
	if _, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("drorch-locks"),
		TimeToLiveSpecification: &ddbtypes.TimeToLiveSpecification{Enabled: aws.Bool(true), AttributeName: aws.String("ttl")}}); apiCode(err) != "ValidationException" {
		t.Errorf("enable ttl twice: %v", err)
	}
	// ListTables pages.
	for i := range 4 {
		if _, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
			TableName:             aws.String(fmt.Sprintf("t%d-table", i)),
			KeySchema:             []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}, {AttributeName: aws.String("n"), KeyType: ddbtypes.KeyTypeRange}},
			AttributeDefinitions:  []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}, {AttributeName: aws.String("n"), AttributeType: ddbtypes.ScalarAttributeTypeN}},
			ProvisionedThroughput: &ddbtypes.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(5)},
		}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	p := dynamodb.NewListTablesPaginator(c, &dynamodb.ListTablesInput{Limit: aws.Int32(2)})
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		names = append(names, page.TableNames...)
	}
	if want := "drorch-locks t0-table t1-table t2-table t3-table"; strings.Join(names, " ") != want || pages != 3 {
		t.Errorf("list tables: %d pages %v, want %s", pages, names, want)
	}
	del, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("drorch-locks")})
	if err != nil || del.TableDescription.TableStatus != ddbtypes.TableStatusDeleting {
		t.Fatalf("delete table: %+v %v", del, err)
	}
	h.advance(10 * time.Second)
	if _, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("drorch-locks")}); apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("describe after delete: %v", err)
	}
	bad := []struct {
		name string
		in   *dynamodb.CreateTableInput
		msg  string
	}{
		{"short name", &dynamodb.CreateTableInput{TableName: aws.String("ab"), KeySchema: []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash}},
			AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS}}, BillingMode: ddbtypes.BillingModePayPerRequest},
			"Member must have length greater than or equal to 3"},
		{"undefined key", &dynamodb.CreateTableInput{TableName: aws.String("abc"), KeySchema: []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash}},
			AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}}, BillingMode: ddbtypes.BillingModePayPerRequest},
			"Some index key attributes are not defined in AttributeDefinitions"},
		{"extra definition", &dynamodb.CreateTableInput{TableName: aws.String("abc"), KeySchema: []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash}},
			AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS}, {AttributeName: aws.String("x"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
			BillingMode:          ddbtypes.BillingModePayPerRequest},
			"Number of attributes in KeySchema does not exactly match"},
		{"provisioned without throughput", &dynamodb.CreateTableInput{TableName: aws.String("abc"), KeySchema: []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash}},
			AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS}}},
			"ReadCapacityUnits and WriteCapacityUnits must both be specified"},
	}
	for _, tc := range bad {
		if _, err := c.CreateTable(ctx, tc.in); apiCode(err) != "ValidationException" || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	st := h.sim.State()
	if tb, ok := st.Table(west, "t0-table"); !ok || tb.Status != "ACTIVE" || tb.SortKey != "n" || tb.SortKeyType != "N" || tb.BillingMode != "PROVISIONED" {
		t.Errorf("state of t0-table: %+v %v", tb, ok)
	}
}

func TestSDKDynamoDBItems(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tableScenario())
	ctx := context.Background()
	c := h.ddb(west)
	tbl := aws.String("locks")
	put := func(item map[string]ddbtypes.AttributeValue, cond string, names map[string]string, vals map[string]ddbtypes.AttributeValue) error {
		in := &dynamodb.PutItemInput{TableName: tbl, Item: item, ExpressionAttributeNames: names, ExpressionAttributeValues: vals,
			ReturnValuesOnConditionCheckFailure: ddbtypes.ReturnValuesOnConditionCheckFailureAllOld}
		if cond != "" {
			in.ConditionExpression = aws.String(cond)
		}
		_, err := c.PutItem(ctx, in)
		return err
	}
	lock := map[string]ddbtypes.AttributeValue{"pk": s("db#1"), "holder": s("run-1"), "expires": n("100"), "ttl": n("200"),
		"tags": &ddbtypes.AttributeValueMemberSS{Value: []string{"a", "b"}}, "meta": &ddbtypes.AttributeValueMemberM{Value: map[string]ddbtypes.AttributeValue{
			"kind": s("cli"), "hosts": &ddbtypes.AttributeValueMemberL{Value: []ddbtypes.AttributeValue{s("h1"), s("h2")}}}},
		"raw": &ddbtypes.AttributeValueMemberB{Value: []byte{0, 1, 2}}, "ok": &ddbtypes.AttributeValueMemberBOOL{Value: true},
		"none": &ddbtypes.AttributeValueMemberNULL{Value: true}, "nums": &ddbtypes.AttributeValueMemberNS{Value: []string{"1", "2.50"}}}
	if err := put(lock, "attribute_not_exists(pk)", nil, nil); err != nil {
		t.Fatal(err)
	}
	// The second acquirer's condition fails, and the item comes back.
	err := put(map[string]ddbtypes.AttributeValue{"pk": s("db#1"), "holder": s("run-2"), "expires": n("150")},
		"attribute_not_exists(pk) OR expires < :now", nil, map[string]ddbtypes.AttributeValue{":now": n("50")})
	var ccf *ddbtypes.ConditionalCheckFailedException
	if !errors.As(err, &ccf) || ccf.Item["holder"].(*ddbtypes.AttributeValueMemberS).Value != "run-1" || aws.ToString(ccf.Message) != "The conditional request failed" {
		t.Fatalf("conditional put: %v", err)
	}
	// ConsistentRead, projection with nested paths and a reserved word.
	got, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: map[string]ddbtypes.AttributeValue{"pk": s("db#1")}, ConsistentRead: aws.Bool(true),
		ProjectionExpression: aws.String("holder, meta.#k, meta.hosts[1], nums"), ExpressionAttributeNames: map[string]string{"#k": "kind"}})
	if err != nil {
		t.Fatal(err)
	}
	meta := got.Item["meta"].(*ddbtypes.AttributeValueMemberM).Value
	if len(got.Item) != 3 || meta["kind"].(*ddbtypes.AttributeValueMemberS).Value != "cli" ||
		meta["hosts"].(*ddbtypes.AttributeValueMemberL).Value[0].(*ddbtypes.AttributeValueMemberS).Value != "h2" ||
		strings.Join(got.Item["nums"].(*ddbtypes.AttributeValueMemberNS).Value, ",") != "1,2.5" {
		t.Errorf("projected item: %#v", got.Item)
	}
	if _, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: map[string]ddbtypes.AttributeValue{"pk": s("db#1")}, ProjectionExpression: aws.String("status")}); apiCode(err) != "ValidationException" ||
		!strings.Contains(err.Error(), "Attribute name is a reserved keyword; reserved keyword: status") {
		t.Errorf("reserved word: %v", err)
	}
	if _, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: map[string]ddbtypes.AttributeValue{"pk": n("1")}}); apiCode(err) != "ValidationException" ||
		!strings.Contains(err.Error(), "The provided key element does not match the schema") {
		t.Errorf("wrong key type: %v", err)
	}
	// UpdateItem: renew if still the holder, with every ReturnValues.
	upd := func(expr, cond string, names map[string]string, vals map[string]ddbtypes.AttributeValue, rv ddbtypes.ReturnValue) (*dynamodb.UpdateItemOutput, error) {
		in := &dynamodb.UpdateItemInput{TableName: tbl, Key: map[string]ddbtypes.AttributeValue{"pk": s("db#1")}, UpdateExpression: aws.String(expr),
			ExpressionAttributeNames: names, ExpressionAttributeValues: vals, ReturnValues: rv}
		if cond != "" {
			in.ConditionExpression = aws.String(cond)
		}
		return c.UpdateItem(ctx, in)
	}
	u, err := upd("SET expires = :e, #n = if_not_exists(#n, :zero) + :one REMOVE #none ADD tags :t", "holder = :me",
		map[string]string{"#n": "renewals", "#none": "none"}, map[string]ddbtypes.AttributeValue{":e": n("300"), ":zero": n("0"), ":one": n("1"), ":me": s("run-1"),
			":t": &ddbtypes.AttributeValueMemberSS{Value: []string{"c"}}}, ddbtypes.ReturnValueUpdatedNew)
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Attributes) != 3 || u.Attributes["expires"].(*ddbtypes.AttributeValueMemberN).Value != "300" ||
		u.Attributes["renewals"].(*ddbtypes.AttributeValueMemberN).Value != "1" || len(u.Attributes["tags"].(*ddbtypes.AttributeValueMemberSS).Value) != 3 {
		t.Errorf("UPDATED_NEW: %#v", u.Attributes)
	}
	u, err = upd("SET renewals = renewals + :one", "", nil, map[string]ddbtypes.AttributeValue{":one": n("1")}, ddbtypes.ReturnValueUpdatedOld)
	if err != nil || u.Attributes["renewals"].(*ddbtypes.AttributeValueMemberN).Value != "1" || len(u.Attributes) != 1 {
		t.Errorf("UPDATED_OLD: %#v %v", u, err)
	}
	u, err = upd("SET expires = :e", "holder = :me", nil, map[string]ddbtypes.AttributeValue{":e": n("1"), ":me": s("run-9")}, ddbtypes.ReturnValueAllNew)
	if !errors.As(err, &ccf) || ccf.Item != nil {
		t.Errorf("update by another holder: %v %+v", err, u)
	}
	if _, err := upd("SET pk = :x", "", nil, map[string]ddbtypes.AttributeValue{":x": s("y")}, ""); apiCode(err) != "ValidationException" ||
		!strings.Contains(err.Error(), "Cannot update attribute pk. This attribute is part of the key") {
		t.Errorf("update a key: %v", err)
	}
	if _, err := upd("SET holder = :x", "", nil, map[string]ddbtypes.AttributeValue{":x": s("y"), ":unused": s("z")}, ""); apiCode(err) != "ValidationException" ||
		!strings.Contains(err.Error(), "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}") {
		t.Errorf("unused value: %v", err)
	}
	// Update on a missing item creates it from the key.
	if _, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tbl, Key: map[string]ddbtypes.AttributeValue{"pk": s("db#2")},
		UpdateExpression: aws.String("ADD hits :one"), ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":one": n("5")}}); err != nil {
		t.Fatal(err)
	}
	// Release: delete only while still the holder.
	del, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: tbl, Key: map[string]ddbtypes.AttributeValue{"pk": s("db#1")},
		ConditionExpression: aws.String("holder = :me"), ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":me": s("run-1")}, ReturnValues: ddbtypes.ReturnValueAllOld})
	if err != nil || del.Attributes["holder"].(*ddbtypes.AttributeValueMemberS).Value != "run-1" {
		t.Errorf("release: %+v %v", del, err)
	}
	if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: tbl, Key: map[string]ddbtypes.AttributeValue{"pk": s("db#1")}, ReturnValues: ddbtypes.ReturnValueAllNew}); apiCode(err) != "ValidationException" {
		t.Errorf("delete with ALL_NEW: %v", err)
	}
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("nope-table"), Item: map[string]ddbtypes.AttributeValue{"pk": s("a")}}); apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("put into no table: %v", err)
	}
	st, _ := h.sim.State().Table(west, "locks")
	if st.ItemCount != 1 || len(st.Items) != 1 || !strings.Contains(string(st.Items[0]), `"hits":{"N":"5"}`) {
		t.Errorf("state: %+v", st)
	}
}

func TestSDKDynamoDBQueryScanBatch(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tableScenario())
	ctx := context.Background()
	c := h.ddb(west)
	ev := aws.String("events")
	for _, pk := range []string{"a", "b"} {
		for i := range 7 {
			if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: ev, Item: map[string]ddbtypes.AttributeValue{
				"pk": s(pk), "sk": n(fmt.Sprint(i * 10)), "odd": &ddbtypes.AttributeValueMemberBOOL{Value: i%2 == 1}}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Query pages of 2, newest first, with a filter applied after the page.
	var sks []string
	scanned, pages := 0, 0
	p := dynamodb.NewQueryPaginator(c, &dynamodb.QueryInput{TableName: ev, KeyConditionExpression: aws.String("pk = :p AND sk BETWEEN :lo AND :hi"),
		FilterExpression: aws.String("odd = :t"), ScanIndexForward: aws.Bool(false), Limit: aws.Int32(2),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":p": s("a"), ":lo": n("10"), ":hi": n("50"), ":t": &ddbtypes.AttributeValueMemberBOOL{Value: true}}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		scanned += int(page.ScannedCount)
		for _, it := range page.Items {
			sks = append(sks, it["sk"].(*ddbtypes.AttributeValueMemberN).Value)
		}
	}
	// 10..50 is five items: pages of 2, 2, 1 (the last short page ends it).
	if strings.Join(sks, ",") != "50,30,10" || scanned != 5 || pages != 3 {
		t.Errorf("query: %v scanned %d pages %d", sks, scanned, pages)
	}
	q, err := c.Query(ctx, &dynamodb.QueryInput{TableName: ev, KeyConditionExpression: aws.String("pk = :p AND begins_with(sk, :x)"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":p": s("a"), ":x": n("1")}})
	if apiCode(err) != "ValidationException" {
		t.Errorf("begins_with on a number key: %+v %v", q, err)
	}
	if _, err := c.Query(ctx, &dynamodb.QueryInput{TableName: ev, KeyConditionExpression: aws.String("sk = :x"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":x": n("1")}}); apiCode(err) != "ValidationException" ||
		!strings.Contains(err.Error(), "Query condition missed key schema element: pk") {
		t.Errorf("query without the partition key: %v", err)
	}
	// Scan with the SDK's paginator, Limit 3: every item once.
	seen := map[string]bool{}
	sp := dynamodb.NewScanPaginator(c, &dynamodb.ScanInput{TableName: ev, Limit: aws.Int32(3)})
	for sp.HasMorePages() {
		page, err := sp.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			k := it["pk"].(*ddbtypes.AttributeValueMemberS).Value + it["sk"].(*ddbtypes.AttributeValueMemberN).Value
			if seen[k] {
				t.Errorf("scan returned %s twice", k)
			}
			seen[k] = true
		}
	}
	if len(seen) != 14 {
		t.Errorf("scan saw %d items", len(seen))
	}
	cnt, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: ev, Select: ddbtypes.SelectCount, FilterExpression: aws.String("attribute_type(odd, :b) AND odd = :t"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":b": s("BOOL"), ":t": &ddbtypes.AttributeValueMemberBOOL{Value: true}}})
	if err != nil || cnt.Count != 6 || cnt.ScannedCount != 14 || cnt.Items != nil {
		t.Errorf("scan count: %+v %v", cnt, err)
	}
	bg, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]ddbtypes.KeysAndAttributes{
		"events": {Keys: []map[string]ddbtypes.AttributeValue{{"pk": s("a"), "sk": n("0")}, {"pk": s("b"), "sk": n("60")}, {"pk": s("c"), "sk": n("0")}}, ConsistentRead: aws.Bool(true)}}})
	if err != nil || len(bg.Responses["events"]) != 2 || len(bg.UnprocessedKeys) != 0 {
		t.Errorf("batch get: %+v %v", bg, err)
	}
	// Reads stay out of the mutating-call log; writes name their table.
	log := h.sim.MutatingCalls()
	if len(log) != 14 || log[0].Action != "PutItem" || log[0].Target != "events" || log[13].Service != "dynamodb" {
		t.Errorf("mutating log: %d entries, first %+v", len(log), log[0])
	}
}

func TestSDKDynamoDBTransactions(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tableScenario())
	ctx := context.Background()
	c := h.ddb(west)
	acquire := func(holder string, keys ...string) error {
		var items []ddbtypes.TransactWriteItem
		for _, k := range keys {
			items = append(items, ddbtypes.TransactWriteItem{Put: &ddbtypes.Put{TableName: aws.String("locks"),
				Item:                                map[string]ddbtypes.AttributeValue{"pk": s(k), "holder": s(holder)},
				ConditionExpression:                 aws.String("attribute_not_exists(pk) OR holder = :me"),
				ExpressionAttributeValues:           map[string]ddbtypes.AttributeValue{":me": s(holder)},
				ReturnValuesOnConditionCheckFailure: ddbtypes.ReturnValuesOnConditionCheckFailureAllOld}})
		}
		_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		return err
	}
	if err := acquire("run-1", "a", "b"); err != nil {
		t.Fatal(err)
	}
	err := acquire("run-2", "c", "b", "d")
	var tce *ddbtypes.TransactionCanceledException
	if !errors.As(err, &tce) || len(tce.CancellationReasons) != 3 {
		t.Fatalf("overlapping acquire: %v", err)
	}
	r := tce.CancellationReasons
	if aws.ToString(r[0].Code) != "None" || aws.ToString(r[1].Code) != "ConditionalCheckFailed" || aws.ToString(r[2].Code) != "None" ||
		r[1].Item["holder"].(*ddbtypes.AttributeValueMemberS).Value != "run-1" ||
		!strings.Contains(aws.ToString(tce.Message), "[None, ConditionalCheckFailed, None]") {
		t.Errorf("reasons: %+v %s", r, aws.ToString(tce.Message))
	}
	// All or nothing: c and d were not written.
	if st, _ := h.sim.State().Table(west, "locks"); st.ItemCount != 2 {
		t.Errorf("a cancelled transaction wrote: %+v", st.Items)
	}
	if err := acquire("run-1", "a", "b", "c"); err != nil {
		t.Errorf("re-acquire by the holder: %v", err)
	}
	// The same item twice, and mixed actions.
	if err := acquire("run-3", "x", "x"); apiCode(err) != "ValidationException" || !strings.Contains(err.Error(), "multiple operations on one item") {
		t.Errorf("same item twice: %v", err)
	}
	_, err = c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []ddbtypes.TransactWriteItem{
		{ConditionCheck: &ddbtypes.ConditionCheck{TableName: aws.String("locks"), Key: map[string]ddbtypes.AttributeValue{"pk": s("a")},
			ConditionExpression: aws.String("holder = :me"), ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":me": s("run-1")}}},
		{Update: &ddbtypes.Update{TableName: aws.String("locks"), Key: map[string]ddbtypes.AttributeValue{"pk": s("b")},
			UpdateExpression: aws.String("SET v = if_not_exists(v, :z) + :one"), ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":z": n("0"), ":one": n("1")}}},
		{Delete: &ddbtypes.Delete{TableName: aws.String("locks"), Key: map[string]ddbtypes.AttributeValue{"pk": s("c")}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := h.sim.State().Table(west, "locks"); st.ItemCount != 2 || !strings.Contains(string(st.Items[1]), `"v":{"N":"1"}`) {
		t.Errorf("after check/update/delete: %s", st.Items)
	}
	var many []ddbtypes.TransactWriteItem
	for i := range 101 {
		many = append(many, ddbtypes.TransactWriteItem{Put: &ddbtypes.Put{TableName: aws.String("locks"), Item: map[string]ddbtypes.AttributeValue{"pk": s(fmt.Sprint(i))}}})
	}
	if _, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: many}); apiCode(err) != "ValidationException" {
		t.Errorf("101 actions: %v", err)
	}
}

// The fault machinery throttles DynamoDB as DynamoDB does: item actions
// with ProvisionedThroughputExceededException, table actions with
// ThrottlingException, both retried by the SDK.
func TestSDKDynamoDBThrottle(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tableScenario())
	ctx := context.Background()
	c := h.ddb(west)
	f := setFault(t, h, sim.Fault{Kind: sim.FaultThrottle, Region: west, Service: "dynamodb"})
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("locks"), Item: map[string]ddbtypes.AttributeValue{"pk": s("a")}}); apiCode(err) != "ProvisionedThroughputExceededException" {
		t.Errorf("throttled put: %v", err)
	}
	if _, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("locks")}); apiCode(err) != "ThrottlingException" {
		t.Errorf("throttled describe: %v", err)
	}
	_ = h.sim.ClearFault(f.ID)
	setFault(t, h, sim.Fault{Kind: sim.FaultThrottle, Region: west, Service: "dynamodb", Rate: 0.5})
	h.attempts = 10
	c = h.ddb(west)
	for i := range 20 {
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("locks"), Item: map[string]ddbtypes.AttributeValue{"pk": s(fmt.Sprint(i))}}); err != nil {
			t.Errorf("put %d through half throttling with retries: %v", i, err)
		}
	}
}

// DynamoDB through boto3 (client and resource layers) and the AWS CLI.
func TestDynamoDBPythonConformance(t *testing.T) {
	t.Parallel()
	runScript(t, "dynamodb_conformance.py", "aws")
}

// A deeply nested value is refused before it is decoded (a 1 MB body of
// nested lists would otherwise cost quadratic time), and the 32 levels
// DynamoDB allows are served.
func TestDynamoDBNesting(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tableScenario())
	nested := func(levels int) string {
		return strings.Repeat(`{"L":[`, levels) + `{"S":"x"}` + strings.Repeat(`]}`, levels)
	}
	hdr := map[string]string{"X-Amz-Target": "DynamoDB_20120810.PutItem", "Content-Type": "application/x-amz-json-1.0"}
	deep := serve(h.sim, "POST", "/", auth(west, "dynamodb"), hdr, `{"TableName":"locks","Item":{"pk":{"S":"a"},"v":`+nested(100000)+`}}`)
	if deep.Code != 400 || !strings.Contains(deep.Body.String(), "Nesting Levels have exceeded supported limits") {
		t.Errorf("100000 levels: %d %.200s", deep.Code, deep.Body.String())
	}
	ok := serve(h.sim, "POST", "/", auth(west, "dynamodb"), hdr, `{"TableName":"locks","Item":{"pk":{"S":"a"},"v":`+nested(31)+`}}`)
	if ok.Code != 200 {
		t.Errorf("31 levels: %d %s", ok.Code, ok.Body.String())
	}
}

// DynamoDB takes up to 4 MB of items in a transaction (more than other
// services' 1 MiB bodies) and 400 KB per item.
func TestDynamoDBSizes(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tableScenario())
	ctx := context.Background()
	c := h.ddb(west)
	big := strings.Repeat("x", 300*1024)
	var items []ddbtypes.TransactWriteItem
	for i := range 6 {
		items = append(items, ddbtypes.TransactWriteItem{Put: &ddbtypes.Put{TableName: aws.String("locks"),
			Item: map[string]ddbtypes.AttributeValue{"pk": s(fmt.Sprint(i)), "v": s(big)}}})
	}
	if _, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items}); err != nil {
		t.Errorf("a 1.8 MB transaction: %v", err)
	}
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("locks"),
		Item: map[string]ddbtypes.AttributeValue{"pk": s("big"), "v": s(big + big)}}); apiCode(err) != "ValidationException" ||
		!strings.Contains(err.Error(), "Item size has exceeded the maximum allowed size") {
		t.Errorf("a 600 KB item: %v", err)
	}
	hdr := map[string]string{"X-Amz-Target": "DynamoDB_20120810.PutItem", "Content-Type": "application/x-amz-json-1.0"}
	if rec := serve(h.sim, "POST", "/", auth(west, "dynamodb"), hdr, strings.Repeat(" ", 5<<20)); rec.Code != 413 {
		t.Errorf("a 5 MiB body: %d", rec.Code)
	}
}
