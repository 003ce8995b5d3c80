package csvfile

// changeMany runs mutate on each of rows (distinct) and revalidates what
// they affect in one pass: each row once, and every row of each identity
// group they left or joined once, with the group looked up once. Changing
// the rows one at a time (change) would recheck a group each time one of
// its rows moves, which for a fill of one email into 8,000 rows is tens of
// millions of rechecks.
func (e *Editor) changeMany(rows []int, mutate func(k int)) {
	v := e.v
	if len(rows) == 1 {
		e.change(rows[0], func() { mutate(0) })
		return
	}
	if v.ids == nil {
		for k, i := range rows {
			mutate(k)
			v.recheck(i, nil)
		}
		return
	}
	keys := map[string]bool{} // the identities left and joined
	old := make([]string, len(rows))
	for k, i := range rows {
		old[k] = v.ids.key(i)
	}
	for k := range rows {
		mutate(k)
	}
	var moved []int
	for k, i := range rows {
		nk := v.ids.key(i)
		if nk != old[k] {
			moved = append(moved, i)
			if old[k] != "" {
				keys[old[k]] = true
			}
		}
		if nk != "" {
			keys[nk] = true
		} else {
			v.recheck(i, []int32{}) // no identity: no group
		}
	}
	v.ids.moveMany(moved)
	for key := range keys {
		g := v.ids.rowsWithKey(key)
		for _, j := range g {
			v.recheck(int(j), g)
		}
	}
}

// moveMany is moveTo for many rows, each list of moved rows scanned once.
func (x *identities) moveMany(rows []int) {
	if len(rows) == 0 {
		return
	}
	if x.moved == nil {
		x.moved = map[uint64][]int32{}
	}
	in := map[uint64]map[int32]bool{}
	for _, i := range rows {
		h, ok := x.hash(i)
		if !ok {
			continue
		}
		set := in[h]
		if set == nil {
			set = map[int32]bool{}
			for _, r := range x.moved[h] {
				set[r] = true
			}
			in[h] = set
		}
		if !set[int32(i)] {
			set[int32(i)] = true
			x.moved[h] = append(x.moved[h], int32(i))
		}
	}
}

// rowsWithKey returns the rows (ascending) whose identity is key (as key
// returns it), as rowsLike does for a row's own.
func (x *identities) rowsWithKey(key string) []int32 {
	h, ok := x.hashValue(key)
	if !ok {
		return nil
	}
	return x.rowsWith(h, key)
}
