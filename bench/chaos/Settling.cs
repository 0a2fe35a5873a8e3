using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure.Storage.Queues;
using Dapper;
using Npgsql;

namespace Checkup.Chaos;

/// <summary>
/// After the clients: runs CleanupImages (POST /CleanupImages with the Functions host's timer payload, besides the
/// handler's own timer) until the system is quiet: no image waiting for anything, no staged copy of a stored image,
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

    public static async Task<Outcome> RunAsync(Uri handler, string database, string storage, TimeSpan within)
    {
        using var http = new HttpClient { BaseAddress = handler, Timeout = TimeSpan.FromSeconds(60) };
        var queue = new QueueClient(storage, "image-uploads");
        var watch = Stopwatch.StartNew();
        var runs = 0;
        var last = "";
        long pending = -1;
        while (watch.Elapsed < within)
        {
            var (cleanupQuiet, summary) = await CleanupAsync(http);
            runs++;
            last = summary;
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

    /// <returns>whether the run had nothing to do (every figure in its summary is 0), and its summary.</returns>
    private static async Task<(bool Quiet, string Summary)> CleanupAsync(HttpClient http)
    {
        var payload = new JsonObject
        {
            ["Data"] = new JsonObject
            {
                ["timer"] = new JsonObject { ["Schedule"] = new JsonObject { ["AdjustForDST"] = true }, ["ScheduleStatus"] = null, ["IsPastDue"] = false },
            },
            ["Metadata"] = new JsonObject
            {
                ["sys"] = new JsonObject { ["MethodName"] = "CleanupImages", ["UtcNow"] = DateTime.UtcNow.ToString("O"), ["RandGuid"] = Guid.NewGuid().ToString() },
            },
        }.ToJsonString();
        try
        {
            using var response = await http.PostAsync("/CleanupImages", new StringContent(payload, Encoding.UTF8, "application/json"));
            var body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
            {
                return (false, $"{(int)response.StatusCode} {body}");
            }

            var summary = JsonDocument.Parse(body).RootElement.GetProperty("Logs").EnumerateArray()
                .Select(l => l.GetString() ?? "").LastOrDefault(l => l.StartsWith("Image cleanup:", StringComparison.Ordinal)) ?? body;
            return (Number().Matches(summary).All(m => m.Value == "0"), summary);
        }
        catch (HttpRequestException e)
        {
            return (false, e.Message);
        }
    }

    [GeneratedRegex(@"\d+")]
    private static partial Regex Number();
}
