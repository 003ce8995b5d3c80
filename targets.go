package main

// The targets usersync speaks to: each adapter registers its descriptor
// (sync/targets) from an init, so adding a target is its package and one
// line here. Nothing else in this package or in ui/ names a target.
import (
	_ "usersync/sync/ccai"
	_ "usersync/sync/coursedog"
)
