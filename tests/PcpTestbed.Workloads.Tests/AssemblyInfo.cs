// Every test here runs emulated CPUs as OS threads on a host of 2 cores: one run at a time, so runs do not
// steal each other's cores (the assertions do not depend on timing, but the project's run time does).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
