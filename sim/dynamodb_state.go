package sim

import (
	"cmp"
	"encoding/json"
	"slices"
)

// MaxStateItems is how many items of each table /_sim/state shows (the
// first in key order); ItemCount says how many there are.
const MaxStateItems = 1000

// DynamoDBTable is a DynamoDB table as /_sim/state shows it. Items are in
// DynamoDB JSON ({"pk":{"S":"x"}}).
type DynamoDBTable struct {
	Region           string            `json:"region"`
	Name             string            `json:"name"`
	Status           string            `json:"status"`
	PartitionKey     string            `json:"partitionKey"`
	PartitionKeyType string            `json:"partitionKeyType"`
	SortKey          string            `json:"sortKey,omitempty"`
	SortKeyType      string            `json:"sortKeyType,omitempty"`
	BillingMode      string            `json:"billingMode"`
	TTLAttribute     string            `json:"ttlAttribute,omitempty"`
	ItemCount        int               `json:"itemCount"`
	SizeBytes        int               `json:"sizeBytes"`
	Items            []json.RawMessage `json:"items"`
}

// tableStates lists the tables by region then name.
func (w *world) tableStates() []DynamoDBTable {
	var out []DynamoDBTable
	for _, t := range w.tables {
		d := DynamoDBTable{Region: t.Region, Name: t.Name, Status: t.Status, PartitionKey: t.Hash.Name, PartitionKeyType: t.Hash.Type,
			SortKey: t.Range.Name, SortKeyType: t.Range.Type, BillingMode: t.Billing, ItemCount: len(t.items), SizeBytes: t.bytes,
			Items: []json.RawMessage{}}
		if t.TTLEnabled {
			d.TTLAttribute = t.TTLAttr
		}
		for i, k := range t.sortedKeys() {
			if i == MaxStateItems {
				break
			}
			if data, err := json.Marshal(t.items[k]); err == nil {
				d.Items = append(d.Items, data)
			}
		}
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b DynamoDBTable) int {
		return cmp.Or(cmp.Compare(a.Region, b.Region), cmp.Compare(a.Name, b.Name))
	})
	return out
}

// Table returns a DynamoDB table by region and name.
func (st State) Table(region, name string) (DynamoDBTable, bool) {
	for _, t := range st.Tables {
		if t.Region == region && t.Name == name {
			return t, true
		}
	}
	return DynamoDBTable{}, false
}
