package ui

// The screens render from the registered descriptors (sync/targets), as
// the program's main package registers them.
import (
	_ "usersync/sync/ccai"
	_ "usersync/sync/coursedog"
)
