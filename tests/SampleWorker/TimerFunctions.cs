using Microsoft.Azure.Functions.Worker;

namespace SampleWorker;

public sealed class TimerFunctions(Recorder recorder)
{
    [Function(nameof(Tick))]
    public Task Tick([TimerTrigger("%TickSchedule%", UseMonitor = true)] TimerInfo timer) =>
        recorder.WriteAsync(new Record(nameof(Tick), "done", IsPastDue: timer.IsPastDue,
            Last: timer.ScheduleStatus?.Last, Next: timer.ScheduleStatus?.Next));

    [Function(nameof(Startup))]
    public Task Startup([TimerTrigger("%StartupSchedule%", RunOnStartup = true)] TimerInfo timer) =>
        recorder.WriteAsync(new Record(nameof(Startup), "done", IsPastDue: timer.IsPastDue));
}
