#pragma once
// DNS analytics in `dnsedge serve` (docs/observability.md "DNS analytics"): the process's
// aggregator (analytics/aggregator.h) gets the minutes kept in the store at startup and flushes
// finished minutes back through the controller's writer thread (the store's one read-write
// connection), so the counts survive a restart.

#include "control/controller.h"

namespace dnsedge::app {

// Loads the last 7 days from the store and starts the aggregator. Call after the controller
// started and before DNS serves.
void start_analytics(control::Controller& controller);
// Flushes what the aggregator holds (the current minute too) and stops it. Call after DNS
// stopped and before the controller stops.
void stop_analytics();

}  // namespace dnsedge::app
