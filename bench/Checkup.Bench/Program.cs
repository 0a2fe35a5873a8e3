using Checkup.Bench;

return args switch
{
    ["coldstart", .. var rest] => await ColdStart.RunAsync(Arguments.Parse(rest)),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Checkup.Bench coldstart --exe PATH --port N [--runs 15] [--env K=V ...]");
    return 2;
}
