using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Checkup.Tests.Infrastructure;
using Xunit.Abstractions;

namespace FunctionsHost.Tests;

public sealed class WorkerLifecycleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Killed_worker_is_replaced_and_the_next_request_is_served()
    {
        var settings = new SampleSettings();
        await using var host = await SampleHost.StartAsync(settings);
        var firstWorker = await host.WorkerPidAsync();
        Assert.Equal(firstWorker, (await host.Client.GetFromJsonAsync<JsonElement>("api/hello/a")).GetProperty("pid").GetInt32());
        var inFlight = host.Client.GetAsync("api/wait");
        await host.Process.WaitForLineAsync(new("Executing 'Functions.Wait'"), TimeSpan.FromSeconds(30));

        var clock = Stopwatch.StartNew();
        Process.GetProcessById(firstWorker).Kill();

        var broken = await inFlight;
        Assert.True((int)broken.StatusCode >= 500, $"the in-flight request got {(int)broken.StatusCode}");
        var secondWorker = await host.WorkerPidAsync(1);
        // Requests wait for the new worker (up to a minute, then 503): on a busy machine it may take that long.
        HttpResponseMessage served;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while ((served = await host.Client.GetAsync("api/hello/b")).StatusCode == HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < deadline)
        {
        }
        var servedAfter = clock.Elapsed;
        Assert.True(served.StatusCode == HttpStatusCode.OK, $"{served.StatusCode} after the restart; host output:{Environment.NewLine}{host.Process.Output}");
        Assert.NotEqual(firstWorker, secondWorker);
        Assert.Equal(secondWorker, (await served.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("pid").GetInt32());
        output.WriteLine($"served again {servedAfter.TotalSeconds:0.0} s after the worker was killed");
    }

    [Fact]
    public async Task SIGTERM_terminates_the_worker_and_leaves_no_process_behind()
    {
        var settings = new SampleSettings();
        await using var host = await SampleHost.StartAsync(settings);
        var worker = await host.WorkerPidAsync();
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("api/hello/a")).StatusCode);

        var exitCode = await host.StopAsync();

        Assert.Equal(0, exitCode);
        Assert.Contains($"Worker process {worker} stopped.", host.Process.Output);
        Assert.False(TestProcess.IsRunning(worker), $"worker {worker} still runs after the host stopped");
    }

    [Fact]
    public async Task Worker_left_by_a_killed_host_is_killed_by_the_next_host()
    {
        var settings = new SampleSettings();
        int orphan;
        await using (var killed = await SampleHost.StartAsync(settings))
        {
            orphan = await killed.WorkerPidAsync();
            Process.GetProcessById(killed.Process.Id).Kill(); // SIGKILL: the host cannot stop its worker
            await killed.Process.StopAsync(TimeSpan.FromSeconds(10));
        }

        await using var next = await SampleHost.StartAsync(settings);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (TestProcess.IsRunning(orphan) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        Assert.False(TestProcess.IsRunning(orphan), $"worker {orphan} of the killed host still runs");
    }

    [Fact]
    public async Task Worker_that_keeps_dying_is_restarted_with_growing_delays()
    {
        var settings = new SampleSettings { ["SAMPLE_CRASH_AT_START"] = "1" };
        await using var host = TestProcess.Start(Paths.Dotnet, [Paths.HostDll, "--script-root", Paths.SampleRoot, "--port", "0"], settings.Values);

        await host.WaitForLineAsync(new("in 2 s \\(it failed 3 times in a row\\)"), TimeSpan.FromSeconds(120));

        var output = host.Output;
        Assert.Contains("exited with code 3 before it opened its stream", output);
        Assert.Contains("Starting a new worker process.", output); // the first restart is immediate
        Assert.Contains("in 1 s (it failed 2 times in a row)", output);
        Assert.False(host.HasExited, "the host should keep trying, not exit");
    }
}
