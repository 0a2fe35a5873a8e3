using System.Text;
using Checkup.Tests.Infrastructure;

namespace Checkup.Chaos;

/// <summary>The run's figures and verdicts as plain text (printed, and saved as summary.txt).</summary>
public static class Report
{
    public sealed record Result(bool Passed, string Text);

    public static Result Write(ChaosSettings settings, Tally tally, FaultPlan faults, FunctionsHostProcess host, int cleanupsAsked, OwnAzurite azurite,
        CloudinaryStandIn cloudinary, Settling.Outcome settled, Verification verification, TimeSpan clientsTook, TimeSpan total)
    {
        var text = new StringBuilder();
        text.AppendLine($"Checkup fault run ({settings.Name}): {settings.Uploads} uploads by {settings.Users} users, " +
                        $"{settings.FailureRate:P0} of Cloudinary calls failing, SIGKILLs of the worker {settings.Kills}, of the host {settings.HostKills}, Azurite restarts {settings.AzuriteRestarts}, seed {settings.Seed}");
        text.AppendLine($"  time: clients {clientsTook.TotalSeconds:0} s, settling {settled.Took.TotalSeconds:0} s ({settled.CleanupRuns} cleanup runs), total {total.TotalSeconds:0} s");
        text.AppendLine($"  faults: worker killed {host.WorkerKills}x, host killed {host.HostKills}x; hosts started {host.HostStarts}x (exited by itself {host.UnplannedHostExits}x), " +
                        $"workers started {host.WorkerStarts}x (exited {host.WorkerExits}x as their host saw it, left behind by a killed host and killed by the next {host.OrphansReaped}x); " +
                        $"Azurite restarted {azurite.Restarts}x");
        text.AppendLine($"  cleanup: {cleanupsAsked} runs asked of the host while the clients worked (every 5 s, POST /admin/functions/CleanupImages)");
        foreach (var e in faults.Events)
        {
            text.AppendLine($"    {e}");
        }

        var injected = cloudinary.Injected;
        text.AppendLine($"  cloudinary: {cloudinary.UploadRequests} upload calls, {injected.Values.Sum()} failed on purpose " +
                        $"({string.Join(", ", injected.OrderBy(i => i.Key, StringComparer.Ordinal).Select(i => $"{i.Key} {i.Value}"))}), {cloudinary.AssetCount} assets");
        text.AppendLine("  clients: " + string.Join(", ", tally.Counts.Select(c => $"{c.Key} {c.Value}")));
        foreach (var figure in verification.Figures)
        {
            text.AppendLine("  " + figure);
        }

        text.AppendLine($"  settled: {(settled.Quiet ? "quiet" : $"NOT quiet after {settings.ConvergeWithin.TotalSeconds:0} s, {settled.Pending} images still pending")}; last cleanup: {settled.LastCleanup}");
        var checks = verification.Checks.ToList();
        checks.Insert(0, new Verification.Check("the system settled (cleanup until quiet)", settled.Quiet, $"{settled.Took.TotalSeconds:0} s"));
        checks.Insert(1, new Verification.Check("every fault struck as planned, Azurite always stopped gracefully",
            host.WorkerKills == settings.Kills && host.HostKills == settings.HostKills && host.UnplannedHostExits == 0 &&
            azurite.Restarts == settings.AzuriteRestarts && azurite.ForcedStops == 0,
            $"{host.WorkerKills} of {settings.Kills} worker kills, {host.HostKills} of {settings.HostKills} host kills, {host.UnplannedHostExits} hosts exited by themselves, " +
            $"{azurite.Restarts} of {settings.AzuriteRestarts} restarts, {azurite.ForcedStops} forced stops"));
        checks.Add(new Verification.Check("no client met an answer a correct system never gives", tally.Problems.Count == 0,
            tally.Problems.Count == 0 ? "none" : $"{tally.Problems.Count}: " + string.Join(" | ", tally.Problems.Take(5))));
        // A bare 500 is the host's answer for an invocation its dying worker never finished; anywhere else it is a defect.
        var slack = TimeSpan.FromSeconds(2);
        var stray = tally.HostFailures.Where(f => !faults.Kills.Any(k => f.At >= k.From && f.At <= k.To + slack)).ToList();
        checks.Add(new Verification.Check("every bare 500 from the host came while a worker or host was being killed", stray.Count == 0,
            $"{tally.HostFailures.Count} bare 500s, {stray.Count} outside a kill" +
            string.Concat(stray.Take(3).Select(f => $"; {f.What} at {f.At:HH:mm:ss.fff}"))));
        text.AppendLine("  checks:");
        foreach (var check in checks)
        {
            text.AppendLine($"    [{(check.Passed ? "ok" : "FAILED")}] {check.Name}: {check.Figures}");
        }

        var passed = checks.All(c => c.Passed);
        text.AppendLine($"  result: {(passed ? "PASS" : "FAIL")}");
        return new Result(passed, text.ToString());
    }
}
