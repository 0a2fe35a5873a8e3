using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
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
        var served = await host.Client.GetAsync("api/hello/b");
        var servedAfter = clock.Elapsed;
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
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
}
