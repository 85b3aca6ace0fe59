// Timing-sensitive tests (lock waits, stop-the-world, the overhead meter) share 2 host cores: run them one
// class at a time so one test's CPU threads do not distort another's measurements.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
