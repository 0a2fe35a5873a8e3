using Checkup.Chaos;

ChaosSettings settings;
try
{
    settings = ChaosSettings.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(ChaosSettings.Usage);
    return 2;
}

return await ChaosRun.RunAsync(settings);
