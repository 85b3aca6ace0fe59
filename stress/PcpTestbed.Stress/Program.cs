using PcpTestbed.Stress;

return StressCommandLine.Run(args);
