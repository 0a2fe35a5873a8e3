namespace FunctionsHost.Tests;

public sealed class TimerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Timer_fires_on_schedule_with_its_schedule_status_and_runOnStartup_fires_at_start()
    {
        var settings = new SampleSettings { ["TickSchedule"] = "*/2 * * * * *" };
        await using var host = await SampleHost.StartAsync(settings);

        var records = await settings.Records().WaitForAsync(r => r.Count(x => x.Function == "Tick") >= 2 && r.Any(x => x.Function == "Startup"), Patience);

        var second = records.Where(r => r.Function == "Tick").ElementAt(1);
        Assert.False(second.IsPastDue);
        Assert.NotNull(second.Last);
        Assert.NotNull(second.Next);
        Assert.True(second.Next > second.Last, $"Next {second.Next:O} should follow Last {second.Last:O}");
        Assert.Equal(0, second.Next!.Value.Second % 2);
        Assert.Single(records, r => r.Function == "Startup");
    }

    [Fact]
    public async Task A_run_missed_while_stopped_fires_once_past_due_at_the_next_start()
    {
        var settings = new SampleSettings { ["TickSchedule"] = "*/3 * * * * *" };
        var records = settings.Records();
        int firstWorker;
        await using (var first = await SampleHost.StartAsync(settings))
        {
            await records.WaitForAsync(r => r.Any(x => x.Function == "Tick"), Patience);
            firstWorker = records.Seen.First(r => r.Function == "Tick").ProcessId;
            Assert.Equal(0, await first.StopAsync());
        }
        await Task.Delay(TimeSpan.FromSeconds(4)); // at least one occurrence passes with no host

        await using var second = await SampleHost.StartAsync(settings);
        await records.WaitForAsync(r => r.Count(x => x.Function == "Tick" && x.ProcessId != firstWorker) >= 2, Patience);

        var afterRestart = records.Seen.Where(r => r.Function == "Tick" && r.ProcessId != firstWorker).ToList();
        Assert.True(afterRestart[0].IsPastDue, "the first run after the restart should be past due");
        Assert.Single(afterRestart, r => r.IsPastDue);
    }

    [Fact]
    public async Task Two_hosts_on_one_storage_account_fire_each_occurrence_once()
    {
        var settings = new SampleSettings { ["TickSchedule"] = "*/2 * * * * *" };
        await using var first = await SampleHost.StartAsync(settings);
        await using var second = await SampleHost.StartAsync(settings);

        var records = await settings.Records().WaitForAsync(r => r.Count(x => x.Function == "Tick") >= 4, Patience);

        var ticks = records.Where(r => r.Function == "Tick" && !r.IsPastDue).ToList();
        // ScheduleStatus.Next is the occurrence being run: the same value twice means two hosts fired it.
        Assert.Equal(ticks.Count, ticks.Select(t => t.Next).Distinct().Count());
        Assert.Single(ticks.Select(t => t.ProcessId).Distinct());
        // runOnStartup belongs to the timer's listener, which only the lock holder runs (as in Azure).
        Assert.Single(records.Where(r => r.Function == "Startup").Select(r => r.ProcessId).Distinct());
    }
}
