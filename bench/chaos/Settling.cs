using System.Diagnostics;
using System.Text.RegularExpressions;
using Azure.Storage.Queues;
using Dapper;
using Npgsql;

namespace Checkup.Chaos;

/// <summary>
/// After the clients: has the host run CleanupImages (<c>POST /admin/functions/CleanupImages</c>, as an operator runs a
/// timer function now) until the system is quiet: no image waiting for anything, no staged copy of a stored image,
/// nothing queued, and a cleanup run with nothing to do.
/// </summary>
public static partial class Settling
{
    private const string Pending = """
        select count(*) from images
        where status in ('uploaded', 'saved-locally')
           or (status = 'cld-upload-failure' and next_attempt_at is not null)
           or (status = 'saved-cld' and local_path is not null)
        """;

    public sealed record Outcome(bool Quiet, TimeSpan Took, int CleanupRuns, string LastCleanup, long Pending);

    public static async Task<Outcome> RunAsync(FunctionsHostProcess host, string database, string storage, TimeSpan within)
    {
        var queue = new QueueClient(storage, ChaosRun.UploadQueue);
        var watch = Stopwatch.StartNew();
        var runs = 0;
        var last = "";
        long pending = -1;
        while (watch.Elapsed < within)
        {
            var (succeeded, summary) = await host.RunCleanupAsync(TimeSpan.FromSeconds(60));
            runs++;
            last = succeeded ? summary : "failed: " + summary;
            var cleanupQuiet = succeeded && Number().Matches(summary).All(m => m.Value == "0");
            await using (var connection = new NpgsqlConnection(database))
            {
                pending = await connection.ExecuteScalarAsync<long>(Pending);
            }

            var queued = (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount;
            if (cleanupQuiet && pending == 0 && queued == 0)
            {
                return new Outcome(true, watch.Elapsed, runs, last, 0);
            }

            await Task.Delay(1000);
        }

        return new Outcome(false, watch.Elapsed, runs, last, pending);
    }

    [GeneratedRegex(@"\d+")]
    private static partial Regex Number();
}
