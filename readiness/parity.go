package readiness

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"drorch/cloud"
)

// auroraParity compares the secondary cluster dr with the writer cluster of
// its global database: instance classes, instance counts, engine versions
// and parameter groups. managed is set for the operations AWS runs across
// regions (switchover, FailoverGlobalCluster), which need the same engine
// version on both sides (Aurora UG, "Upgrading an Amazon Aurora global
// database": managed cross-Region switchovers and failovers need the same
// major, minor and patch level).
func (e *evaluation) auroraParity(ctx context.Context, rr *ResourceResult, dr *cloud.DBCluster, writerARN, wRegion string, managed bool) {
	primary, err := cloud.DBClusters.Get(ctx, e.home.Reader, wRegion, writerARN)
	if err != nil {
		e.add(rr, CheckParity, Warning, fmt.Sprintf("check again when %s answers", wRegion),
			"cannot read the primary cluster in %s to compare capacity: %v", wRegion, err)
		return
	}
	drIns, err := e.instances(ctx, dr)
	if err == nil {
		var pIns []*cloud.DBInstance
		if pIns, err = e.instances(ctx, primary); err == nil {
			before := len(rr.Findings)
			name := func(c *cloud.DBCluster) string { return c.ID + " (" + c.Region + ")" }
			e.compareClasses(rr, classesOf(pIns), classesOf(drIns), name(primary), name(dr))
			if len(drIns) < len(pIns) {
				e.add(rr, CheckParity, Warning, fmt.Sprintf("add %d reader instance(s) to %s so that it can take the primary's read load", len(pIns)-len(drIns), dr.ID),
					"%s has %d DB instances, the primary %s has %d", name(dr), len(drIns), name(primary), len(pIns))
			}
			e.compareVersions(rr, primary.EngineVersion, dr.EngineVersion, name(primary), name(dr), managed)
			e.compareGroups(rr, "DB cluster parameter group", []string{primary.ParameterGroup}, []string{dr.ParameterGroup}, name(primary), name(dr))
			e.compareGroups(rr, "DB parameter groups", groupsOf(pIns), groupsOf(drIns), name(primary), name(dr))
			if len(rr.Findings) == before {
				e.add(rr, CheckParity, Pass, "", "%s matches the primary %s: %s, engine %s, parameter groups %s / %s",
					name(dr), name(primary), strings.Join(classesOf(drIns), ", "), dr.EngineVersion, dr.ParameterGroup, strings.Join(groupsOf(drIns), ", "))
			}
			return
		}
	}
	e.add(rr, CheckParity, Warning, "check again when both regions answer", "cannot read the clusters' instances to compare capacity: %v", err)
}

// instances reads a cluster's instances in its region, in one call.
func (e *evaluation) instances(ctx context.Context, cl *cloud.DBCluster) ([]*cloud.DBInstance, error) {
	ids := make([]string, 0, len(cl.Members))
	for _, m := range cl.Members {
		ids = append(ids, m.InstanceID)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	found, err := e.home.Batch.ReadBatch(ctx, cloud.DBInstances.Name, cl.Region, ids)
	if err != nil {
		return nil, fmt.Errorf("describe the instances of %s in %s: %w", cl.ID, cl.Region, err)
	}
	var out []*cloud.DBInstance
	for _, id := range ids {
		if in, ok := found[cloud.ID(id)].(*cloud.DBInstance); ok {
			out = append(out, in)
		}
	}
	return out, nil
}

// rdsParity compares the read replica with its source instance.
func (e *evaluation) rdsParity(ctx context.Context, rr *ResourceResult, replica *cloud.DBInstance, srcRegion, srcID string) {
	src, err := cloud.DBInstances.Get(ctx, e.home.Reader, srcRegion, srcID)
	if err != nil {
		e.add(rr, CheckParity, Warning, fmt.Sprintf("check again when %s answers", srcRegion),
			"cannot read the source instance %s in %s to compare capacity: %v", srcID, srcRegion, err)
		return
	}
	before := len(rr.Findings)
	pName, rName := src.ID+" ("+srcRegion+")", replica.ID+" ("+replica.Region+")"
	e.compareClasses(rr, []string{src.Class}, []string{replica.Class}, pName, rName)
	// A replica may run a newer minor version than its source (RDS UG,
	// "Upgrading a DB instance engine version"): a difference is a
	// warning.
	e.compareVersions(rr, src.EngineVersion, replica.EngineVersion, pName, rName, false)
	e.compareGroups(rr, "DB parameter group", []string{src.ParameterGroup}, []string{replica.ParameterGroup}, pName, rName)
	if len(rr.Findings) == before {
		e.add(rr, CheckParity, Pass, "", "%s matches its source %s: %s, engine %s, parameter group %s", rName, pName, replica.Class, replica.EngineVersion, replica.ParameterGroup)
	}
}

// compareClasses fails when the DR side's largest instance class is smaller
// than the primary's, within one instance family; across families it can
// only warn.
func (e *evaluation) compareClasses(rr *ResourceResult, primary, dr []string, pName, drName string) {
	if len(primary) == 0 {
		return
	}
	pBig, drBig := largest(primary), largest(dr)
	if drBig == "" {
		return // no instance: the health check says so
	}
	pc, pok := parseClass(pBig)
	dc, dok := parseClass(drBig)
	switch {
	case pBig == drBig:
	case !pok || !dok || pc.family != dc.family:
		e.add(rr, CheckParity, Warning, "make sure the DR class can carry the primary's load, or use the same class",
			"%s runs %s, the primary %s runs %s: different instance families, not compared", drName, drBig, pName, pBig)
	case dc.size < pc.size:
		e.add(rr, CheckParity, Failure, fmt.Sprintf("modify %s to %s (aws rds modify-db-instance --db-instance-class %s)", drName, pBig, pBig),
			"%s runs %s, smaller than the primary's %s: after a failover it cannot carry the primary's load", drName, drBig, pBig)
	}
}

// compareVersions reports engine versions that differ: a failure for an
// operation that needs them equal (managed), else a warning.
func (e *evaluation) compareVersions(rr *ResourceResult, primary, dr, pName, drName string, managed bool) {
	if primary == "" || dr == "" || primary == dr {
		return
	}
	if managed {
		e.add(rr, CheckParity, Failure, "upgrade the older side to the same version (secondaries first); AWS refuses a managed switchover or failover between different versions",
			"%s runs engine version %s, the primary %s runs %s", drName, dr, pName, primary)
		return
	}
	e.add(rr, CheckParity, Warning, "upgrade the older side so that both run the same version",
		"%s runs engine version %s, the primary %s runs %s", drName, dr, pName, primary)
}

// compareGroups warns when the two sides use parameter groups of different
// names: they are regional, so equal names are the only sign, without
// reading every parameter, that they hold the same settings.
func (e *evaluation) compareGroups(rr *ResourceResult, what string, primary, dr []string, pName, drName string) {
	p, d := uniq(primary), uniq(dr)
	if len(p) == 0 || len(d) == 0 || slices.Equal(p, d) {
		return
	}
	e.add(rr, CheckParity, Warning, "use parameter groups of the same name and settings on both sides (compare them with aws rds describe-db-parameters)",
		"%s uses %s %s, the primary %s uses %s", drName, what, strings.Join(d, ", "), pName, strings.Join(p, ", "))
}

func classesOf(ins []*cloud.DBInstance) []string {
	out := make([]string, 0, len(ins))
	for _, in := range ins {
		out = append(out, in.Class)
	}
	return out
}

func groupsOf(ins []*cloud.DBInstance) []string {
	var out []string
	for _, in := range ins {
		out = append(out, in.ParameterGroup)
	}
	return uniq(out)
}

// uniq returns the non-empty values, sorted, once each.
func uniq(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v != "" {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// class is an instance class: db.<family>.<size>.
type class struct {
	family string
	size   float64 // in units of "large": large 1, xlarge 2, 2xlarge 4
}

var classPat = regexp.MustCompile(`^db\.([a-z0-9-]+)\.(nano|micro|small|medium|large|xlarge|(\d+)xlarge)$`)

// parseClass reads an instance class; serverless, metal and unknown forms
// are not comparable.
func parseClass(s string) (class, bool) {
	m := classPat.FindStringSubmatch(s)
	if m == nil {
		return class{}, false
	}
	sizes := map[string]float64{"nano": 1.0 / 16, "micro": 1.0 / 8, "small": 1.0 / 4, "medium": 1.0 / 2, "large": 1, "xlarge": 2}
	size, ok := sizes[m[2]]
	if !ok {
		n, err := strconv.Atoi(m[3])
		if err != nil {
			return class{}, false
		}
		size = 2 * float64(n)
	}
	return class{family: m[1], size: size}, true
}

// largest is the largest comparable class of classes (the first one when
// none parses).
func largest(classes []string) string {
	best, bestSize := "", -1.0
	for _, c := range classes {
		pc, ok := parseClass(c)
		switch {
		case best == "":
			best = c
			if ok {
				bestSize = pc.size
			}
		case ok && pc.size > bestSize:
			best, bestSize = c, pc.size
		}
	}
	return best
}
