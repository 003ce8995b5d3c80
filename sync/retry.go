package sync

import "context"

// RetryPlan is the plan again for the rows that failed (or were left
// pending) in r, and nothing else: every other row carries its outcome over,
// so the next run's report still accounts for every row. Apply it with
// ApplyOptions.Rebase: the users changed since, by the run itself.
func RetryPlan(p *Plan, r *Run) *Plan {
	q := *p
	q.Rows = make([]PlanRow, len(p.Rows))
	for i, row := range p.Rows {
		q.Rows[i] = row
		if i < len(r.Outcomes) {
			o := r.Outcomes[i]
			if o.Result == Failed || o.Result == Pending {
				continue
			}
			q.Rows[i].Done = &o
			q.Rows[i].Desired = nil
		}
	}
	q.Count()
	return &q
}

// CheckDrift lists the users and reports, as a *StaleError, whether they
// changed since the plan was made.
func CheckDrift(ctx context.Context, t Target, p *Plan) error {
	now, err := t.ListUsers(ctx)
	if err != nil {
		return err
	}
	if UsersFingerprint(now) != p.UsersFingerprint {
		return planDrift(p, now)
	}
	return nil
}
