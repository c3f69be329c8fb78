package sim

import (
	"encoding/json"
	"strings"
	"testing"
)

// mustItem reads an item in DynamoDB JSON.
func mustItem(t testing.TB, s string) item {
	t.Helper()
	var it item
	if err := json.Unmarshal([]byte(s), &it); err != nil {
		t.Fatalf("item %s: %v", s, err)
	}
	return it
}

func testPlaceholders(t testing.TB) *placeholders {
	vals := map[string]*av{}
	for k, v := range map[string]string{
		":s": `{"S":"abc"}`, ":ab": `{"S":"ab"}`, ":n1": `{"N":"1"}`, ":n5": `{"N":"5"}`, ":n10": `{"N":"10.0"}`,
		":t": `{"BOOL":true}`, ":typeS": `{"S":"S"}`, ":typeSS": `{"S":"SS"}`, ":x": `{"S":"x"}`, ":b": `{"B":"AAE="}`,
		":l": `{"L":[{"S":"x"}]}`, ":m": `{"M":{"k":{"N":"2"}}}`, ":null": `{"NULL":true}`,
	} {
		var a av
		if err := json.Unmarshal([]byte(v), &a); err != nil {
			t.Fatal(err)
		}
		vals[k] = &a
	}
	return newPlaceholders(map[string]string{"#st": "status", "#a": "a", "#dot": "x.y"}, vals)
}

const exprItem = `{"a":{"N":"5"},"s":{"S":"abcdef"},"b":{"B":"AAECAw=="},"ok":{"BOOL":true},"status":{"S":"x"},
	"x.y":{"S":"dotted"},"tags":{"SS":["x","y"]},"nums":{"NS":["1","2"]},"l":{"L":[{"S":"x"},{"N":"3"}]},
	"m":{"M":{"k":{"N":"2"},"deep":{"M":{"z":{"S":"abc"}}}}},"nil":{"NULL":true}}`

func TestConditionEvaluation(t *testing.T) {
	t.Parallel()
	it := mustItem(t, exprItem)
	cases := []struct {
		expr string
		want bool
	}{
		{"a = :n5", true},
		{"a = :n1", false},
		{"a <> :n1", true},
		{"gone <> :n1", true}, // an absent attribute is not equal to anything
		{"gone = :n1", false},
		{"a < :n10", true},
		{"a <= :n5 AND a >= :n5", true},
		{"a > :s", false}, // different types never compare
		{"s > :ab", true},
		{"a BETWEEN :n1 AND :n10", true},
		{"a between :n5 and :n5", true}, // keywords in any case
		{"a BETWEEN :n1 AND :n1", false},
		{"a IN (:n1, :n5)", true},
		{"a IN (:n1)", false},
		{"attribute_exists(a) AND attribute_not_exists(gone)", true},
		{"attribute_exists(m.deep.z)", true},
		{"attribute_exists(m.deep.q)", false},
		{"attribute_exists(l[1])", true},
		{"attribute_exists(l[2])", false},
		{"attribute_type(tags, :typeSS)", true},
		{"attribute_type(s, :typeSS)", false},
		{"begins_with(s, :ab)", true},
		{"begins_with(m.deep.z, :s)", true},
		{"begins_with(a, :ab)", false},
		{"contains(s, :s)", true},
		{"contains(tags, :x)", true},
		{"contains(nums, :n1)", true},
		{"contains(nums, :x)", false},
		{"contains(l, :x)", true},
		{"size(s) = :n5", false},
		{"size(tags) < :n5", true},
		{"size(m) > :n1", true},
		{"size(a) = :n1", false}, // size of a number is no value
		{"NOT a = :n1", true},
		{"NOT (a = :n5 OR ok = :t)", false},
		{"a = :n1 OR a = :n5 AND ok = :t", true}, // AND binds tighter
		{"(a = :n1 OR a = :n5) AND ok = :t", true},
		{"(a = :n1 OR a = :n5) AND NOT ok = :t", false},
		{"#st = :x", true},
		{"#dot = :x", false},
		{"m.k = :n1", false},
		{"m = :m", false},
		{"nil = :null", true},
		{"l[0] = :x", true},
		{"a = :n10", false},
		{"a < :n10 AND :n1 < a", true},
	}
	for _, tc := range cases {
		ph := testPlaceholders(t)
		c, aerr := parseCondition("ConditionExpression", tc.expr, ph)
		if aerr != nil {
			t.Errorf("%q: %v", tc.expr, aerr)
			continue
		}
		if got := c.holds(it); got != tc.want {
			t.Errorf("%q = %v, want %v", tc.expr, got, tc.want)
		}
	}
}

func TestConditionErrors(t *testing.T) {
	t.Parallel()
	cases := []struct{ expr, msg string }{
		{"", "The expression can not be empty"},
		{"a = ", "Syntax error; token: \"<EOF>\""},
		{"a = = :n1", "Syntax error; token: \"=\""},
		{"a = :nope", "An expression attribute value used in expression is not defined; attribute value: :nope"},
		{"#nope = :n1", "An expression attribute name used in the document path is not defined; attribute name: #nope"},
		{"status = :x", "Attribute name is a reserved keyword; reserved keyword: status"},
		{"Name = :x", "reserved keyword: Name"},
		{"foo(a)", "Invalid function name; function: foo"},
		{"ATTRIBUTE_EXISTS(a)", "Invalid function name; function: ATTRIBUTE_EXISTS"},
		{"a = attribute_exists(b)", "The function is not allowed to be used this way in an expression; function: attribute_exists"},
		{"size(a)", "Syntax error"},
		{"attribute_exists(a, b)", "Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 2"},
		{"attribute_exists(:n1)", "Operator or function requires a document path"},
		{"attribute_type(a, :x)", "Invalid attribute type name found; type: x"},
		{"a BETWEEN :n10 AND :n1", "The BETWEEN operator requires upper bound to be greater than or equal to lower bound"},
		{"a BETWEEN :n1 :n10", "Syntax error"},
		{"a IN ()", "Syntax error"},
		{"(a = :n1", "Syntax error; token: \"<EOF>\""},
		{"a = :n1)", "Syntax error; token: \")\""},
		{"a[x] = :n1", "Syntax error"},
		{"a ! :n1", "Syntax error; token: \"!\""},
		{"a = :n1 AND", "Syntax error"},
		{"# = :n1", "Syntax error; token: \"#\""},
		{strings.Repeat("(", 200) + "a = :n1" + strings.Repeat(")", 200), "too many nested levels"},
		{"a = :n1" + strings.Repeat(" ", 4096), "Expression size has exceeded the maximum allowed size"},
		{"a" + strings.Repeat(".b", 40) + " = :n1", "too many nesting levels"},
	}
	for _, tc := range cases {
		_, aerr := parseCondition("ConditionExpression", tc.expr, testPlaceholders(t))
		if aerr == nil || aerr.Code != "ValidationException" || !strings.Contains(aerr.Message, tc.msg) ||
			!strings.HasPrefix(aerr.Message, "Invalid ConditionExpression: ") {
			t.Errorf("%.60q: %v, want ValidationException containing %q", tc.expr, aerr, tc.msg)
		}
	}
	// Unused placeholders are refused after parsing.
	ph := testPlaceholders(t)
	if _, aerr := parseCondition("ConditionExpression", "a = :n1", ph); aerr != nil {
		t.Fatal(aerr)
	}
	if aerr := ph.unused(); aerr == nil || !strings.Contains(aerr.Message, "Value provided in ExpressionAttributeValues unused in expressions: keys: {:ab, :b,") {
		t.Errorf("unused: %v", aerr)
	}
}

func TestUpdateExpressions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		expr, want, touched string
	}{
		{"SET a = :n1", `{"a":{"N":"1"},"k":{"S":"key"},"l":{"L":[{"S":"y"}]},"m":{"M":{"k":{"N":"2"}}},"tags":{"SS":["x","y"]}}`, "a"},
		{"SET a = a + :n10", `{"a":{"N":"15"},"k":{"S":"key"},"l":{"L":[{"S":"y"}]},"m":{"M":{"k":{"N":"2"}}},"tags":{"SS":["x","y"]}}`, "a"},
		{"SET a = a - :n10", `{"a":{"N":"-5"},"k":{"S":"key"},"l":{"L":[{"S":"y"}]},"m":{"M":{"k":{"N":"2"}}},"tags":{"SS":["x","y"]}}`, "a"},
		{"SET c = if_not_exists(c, :n1) + :n5", `{"a":{"N":"5"},"c":{"N":"6"},"k":{"S":"key"},"l":{"L":[{"S":"y"}]},"m":{"M":{"k":{"N":"2"}}},"tags":{"SS":["x","y"]}}`, "c"},
		{"SET a = if_not_exists(a, :n1)", `{"a":{"N":"5"},"k":{"S":"key"},"l":{"L":[{"S":"y"}]},"m":{"M":{"k":{"N":"2"}}},"tags":{"SS":["x","y"]}}`, "a"},
		{"SET l = list_append(l, :l)", `{"a":{"N":"5"},"k":{"S":"key"},"l":{"L":[{"S":"y"},{"S":"x"}]},"m":{"M":{"k":{"N":"2"}}},"tags":{"SS":["x","y"]}}`, "l"},
		{"SET l = list_append(:l, l)", `{"a":{"N":"5"},"k":{"S":"key"},"l":{"L":[{"S":"x"},{"S":"y"}]},"m":{"M":{"k":{"N":"2"}}},"tags":{"SS":["x","y"]}}`, "l"},
		{"SET m.k = :n5, m.fresh = :x", `{"a":{"N":"5"},"k":{"S":"key"},"l":{"L":[{"S":"y"}]},"m":{"M":{"fresh":{"S":"x"},"k":{"N":"5"}}},"tags":{"SS":["x","y"]}}`, "m"},
		{"SET l[5] = :x", `{"a":{"N":"5"},"k":{"S":"key"},"l":{"L":[{"S":"y"},{"S":"x"}]},"m":{"M":{"k":{"N":"2"}}},"tags":{"SS":["x","y"]}}`, "l"},
		{"REMOVE a, gone", `{"k":{"S":"key"},"l":{"L":[{"S":"y"}]},"m":{"M":{"k":{"N":"2"}}},"tags":{"SS":["x","y"]}}`, "a,gone"},
		{"REMOVE l[0]", `{"a":{"N":"5"},"k":{"S":"key"},"l":{"L":[]},"m":{"M":{"k":{"N":"2"}}},"tags":{"SS":["x","y"]}}`, "l"},
		{"ADD a :n5, tags :tags", `{"a":{"N":"10"},"k":{"S":"key"},"l":{"L":[{"S":"y"}]},"m":{"M":{"k":{"N":"2"}}},"tags":{"SS":["x","y","z"]}}`, "a,tags"},
		{"ADD newn :n1", `{"a":{"N":"5"},"k":{"S":"key"},"l":{"L":[{"S":"y"}]},"m":{"M":{"k":{"N":"2"}}},"newn":{"N":"1"},"tags":{"SS":["x","y"]}}`, "newn"},
		{"DELETE tags :xy", `{"a":{"N":"5"},"k":{"S":"key"},"l":{"L":[{"S":"y"}]},"m":{"M":{"k":{"N":"2"}}}}`, "tags"},
		{"set a = :n1 remove m add tags :tags", `{"a":{"N":"1"},"k":{"S":"key"},"l":{"L":[{"S":"y"}]},"tags":{"SS":["x","y","z"]}}`, "a,m,tags"},
		{"SET a = :n1 REMOVE l", `{"a":{"N":"1"},"k":{"S":"key"},"m":{"M":{"k":{"N":"2"}}},"tags":{"SS":["x","y"]}}`, "a,l"},
	}
	for _, tc := range cases {
		old := mustItem(t, `{"k":{"S":"key"},"a":{"N":"5"},"l":{"L":[{"S":"y"}]},"m":{"M":{"k":{"N":"2"}}},"tags":{"SS":["x","y"]}}`)
		vals := testPlaceholders(t).values
		for k, v := range map[string]string{":tags": `{"SS":["y","z"]}`, ":xy": `{"SS":["x","y"]}`, ":l": `{"L":[{"S":"x"}]}`} {
			var a av
			if err := json.Unmarshal([]byte(v), &a); err != nil {
				t.Fatal(err)
			}
			vals[k] = &a
		}
		acts, aerr := parseUpdate(tc.expr, newPlaceholders(nil, vals))
		if aerr != nil {
			t.Errorf("%q: %v", tc.expr, aerr)
			continue
		}
		next, touched, aerr := applyUpdate(old, acts, []string{"k"})
		if aerr != nil {
			t.Errorf("%q: %v", tc.expr, aerr)
			continue
		}
		data, _ := json.Marshal(next)
		if string(data) != tc.want {
			t.Errorf("%q:\n got %s\nwant %s", tc.expr, data, tc.want)
		}
		if strings.Join(touched, ",") != tc.touched {
			t.Errorf("%q touched %v, want %s", tc.expr, touched, tc.touched)
		}
		if data, _ := json.Marshal(old); !strings.Contains(string(data), `"a":{"N":"5"}`) {
			t.Errorf("%q changed the old item: %s", tc.expr, data)
		}
	}
}

func TestUpdateErrors(t *testing.T) {
	t.Parallel()
	cases := []struct{ expr, msg string }{
		{"SET a = :n1 SET b = :n1", `The "SET" section can only be used once`},
		{"SET a = :n1, a = :n5", "Two document paths overlap with each other"},
		{"SET m.k = :n1 REMOVE m", "Two document paths overlap with each other"},
		{"ADD a :s", "Incorrect operand type for operator or function; operator: ADD, operand type: STRING"},
		{"SET s = s + :n1", "An operand in the update expression has an incorrect data type"},
		{"SET a = gone + :n1", "The provided expression refers to an attribute that does not exist in the item"},
		{"SET nope.x = :n1", "The document path provided in the update expression is invalid for update"},
		{"SET k = :n1", "Cannot update attribute k. This attribute is part of the key"},
		{"DELETE a :n1", "operator: DELETE, operand type: NUMBER"},
		{"SET a = size(s)", "The function is not allowed in an update expression; function: size"},
		{"SET a = list_append(s, :l)", "list_append"},
		{"UPSERT a = :n1", "Syntax error"},
		{"SET a :n1", "Syntax error"},
		{"ADD a", "Syntax error"},
	}
	for _, tc := range cases {
		ph := testPlaceholders(t)
		ph.values[":l"] = &av{Kind: "L", L: []*av{}}
		acts, aerr := parseUpdate(tc.expr, ph)
		if aerr == nil {
			_, _, aerr = applyUpdate(mustItem(t, `{"k":{"S":"key"},"a":{"N":"5"},"s":{"S":"str"},"m":{"M":{}}}`), acts, []string{"k"})
		}
		if aerr == nil || aerr.Code != "ValidationException" || !strings.Contains(aerr.Message, tc.msg) {
			t.Errorf("%q: %v, want %q", tc.expr, aerr, tc.msg)
		}
	}
}

func TestAttributeValues(t *testing.T) {
	t.Parallel()
	good := map[string]string{
		`{"N":"01.50"}`:                      `{"N":"1.5"}`,
		`{"N":"-0.000"}`:                     `{"N":"0"}`,
		`{"N":"1e3"}`:                        `{"N":"1000"}`,
		`{"N":"1.25E-2"}`:                    `{"N":"0.0125"}`,
		`{"NS":["1","1.0e1"]}`:               `{"NS":["1","10"]}`,
		`{"B":"AAE="}`:                       `{"B":"AAE="}`,
		`{"BS":["AAE=","AAI="]}`:             `{"BS":["AAE=","AAI="]}`,
		`{"M":{}}`:                           `{"M":{}}`,
		`{"L":[]}`:                           `{"L":[]}`,
		`{"S":""}`:                           `{"S":""}`,
		`{"NULL":true}`:                      `{"NULL":true}`,
		`{"M":{"a":{"L":[{"BOOL":false}]}}}`: `{"M":{"a":{"L":[{"BOOL":false}]}}}`,
	}
	for in, want := range good {
		var v av
		if err := json.Unmarshal([]byte(in), &v); err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if got, _ := json.Marshal(&v); string(got) != want {
			t.Errorf("%s -> %s, want %s", in, got, want)
		}
	}
	bad := map[string]string{
		`{}`:                "Supplied AttributeValue is empty",
		`{"S":"a","N":"1"}`: "more than one datatypes",
		`{"N":"abc"}`:       "cannot be converted into a number",
		`{"N":"NaN"}`:       "cannot be converted into a number",
		`{"N":"1e200"}`:     "Number overflow",
		`{"N":"1e-200"}`:    "Number underflow",
		`{"N":"123456789012345678901234567890123456789"}`: "38 significant digits",
		`{"SS":[]}`:          "An string set  may not be empty",
		`{"SS":["a","a"]}`:   "contains duplicates",
		`{"NS":["1","1.0"]}`: "contains duplicates",
		`{"NULL":false}`:     "Null attribute value types must have the value of true",
		`{"X":"1"}`:          "unknown datatype",
		`{"M":{"a":{}}}`:     "Supplied AttributeValue is empty",
	}
	for in, msg := range bad {
		var v av
		err := json.Unmarshal([]byte(in), &v)
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: %v, want %q", in, err, msg)
		}
	}
}

// FuzzExpressions feeds the expression parsers anything: they answer with
// a tree or a ValidationException, never a panic, and a tree evaluates
// against an item without one either.
func FuzzExpressions(f *testing.F) {
	for _, s := range []string{
		"a = :n1", "attribute_not_exists(pk) OR expires < :n5", "NOT (a BETWEEN :n1 AND :n10)", "a IN (:n1, :n5, :s)",
		"size(l) > :n1 AND contains(tags, :x)", "begins_with(#a, :ab)", "m.deep.z = :s", "l[0] = :x",
		"SET a = if_not_exists(a, :n1) + :n5 REMOVE l[0] ADD tags :x DELETE nums :n1", "SET l = list_append(l, :l)",
		"a, m.k, l[1]", "((a = :n1))", "#st <> :x", "a = :n1 and b = :n5 or not c = :s",
	} {
		f.Add(s)
	}
	it := mustItem(f, exprItem)
	f.Fuzz(func(t *testing.T, src string) {
		if c, aerr := parseCondition("ConditionExpression", src, testPlaceholders(t)); aerr == nil {
			c.holds(it)
			c.holds(nil)
		} else if aerr.Code != "ValidationException" {
			t.Fatalf("condition %q: %v", src, aerr)
		}
		if acts, aerr := parseUpdate(src, testPlaceholders(t)); aerr == nil {
			_, _, _ = applyUpdate(it, acts, []string{"k"})
			_, _, _ = applyUpdate(nil, acts, []string{"k"})
		} else if aerr.Code != "ValidationException" {
			t.Fatalf("update %q: %v", src, aerr)
		}
		if paths, aerr := parseProjection(src, testPlaceholders(t)); aerr == nil {
			it.project(paths)
		}
	})
}
