using Checkup.Bench;

return args switch
{
    ["coldstart", .. var rest] => await ColdStart.RunAsync(Arguments.Parse(rest)),
    ["autosave", .. var rest] => await Autosave.RunAsync(Arguments.Parse(rest)),
    ["upload", .. var rest] => await Upload.RunAsync(Arguments.Parse(rest)),
    ["pipeline", .. var rest] => await Pipeline.RunAsync(Arguments.Parse(rest)),
    ["cleanup", .. var rest] => await Cleanup.RunAsync(Arguments.Parse(rest)),
    ["csv", .. var rest] => await CsvExport.RunAsync(Arguments.Parse(rest)),
    ["report", .. var rest] => Report.Run(Arguments.Parse(rest)),
    ["sweep", ..] => await Sweep.RunAsync(),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage (bench/run sets the environment and runs them all):
          Checkup.Bench coldstart --variant NAME --empty PATH --checkup PATH [--runs 15]
          Checkup.Bench autosave [--connections 32] [--seconds 10] [--rounds 2] [--pgbench-mode prepared]
          Checkup.Bench upload [--mib 5] [--concurrency 8] [--count 40] [--rounds 2] [--burst 32] [--burst-mib 10]
          Checkup.Bench pipeline [--images 500] [--latency-ms 100] [--kib 32]
          Checkup.Bench cleanup [--sizes 1000,10000]
          Checkup.Bench csv [--counts 10000,50000]          (bench/csv-export/run.sh; not part of bench/run)
          Checkup.Bench report --out bench/results.md [--machine TEXT]
        """);
    return 2;
}
