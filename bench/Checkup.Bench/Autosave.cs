using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Npgsql;

namespace Checkup.Bench;

/// <summary>
/// PUT /api/submission/draft with wrk (one connection per thread, each thread its own user and token) against pgbench
/// running the same statement (the app's own SQL text, written out as a pgbench script) with as many clients, each on its own row. Rounds alternate between
/// the two so both see the same background load; the best round of each counts.
/// </summary>
public static class Autosave
{
    private const string Name = "Portfolio check-up bench project";
    private const string Role = "Lead developer and designer";

    public static async Task<int> RunAsync(Arguments args)
    {
        var connections = args.Int("connections", 32);
        var seconds = args.Int("seconds", 10);
        var rounds = args.Int("rounds", 2);
        var script = WritePgbenchScript();
        var mode = args.Text("pgbench-mode", "prepared");
        var description = string.Concat(Enumerable.Repeat("Built the upload pipeline, the autosave and the review export. ", 8)).Trim();
        var body = JsonSerializer.Serialize(new
        {
            projects = Enumerable.Range(0, 3).Select(_ => new { name = Name, description, role = Role }).ToArray(),
        });

        await using var system = await BenchSystem.StartAsync("autosave", Settings(args));
        var tokens = new List<string>();
        using (var http = system.Client())
        {
            for (var i = 0; i < connections; i++)
            {
                var token = system.Token($"bench-autosave-{i}");
                tokens.Add(token);
                using var start = new HttpRequestMessage(HttpMethod.Post, "/api/submission");
                start.Headers.Authorization = new("Bearer", token);
                (await http.SendAsync(start)).EnsureSuccessStatusCode();
            }
        }

        var lua = WriteLuaScript(tokens, body, system.Suffix);
        var url = new Uri(system.BaseUrl, "/api/submission/draft").ToString();
        if (args.Text("hold", "false") == "true")
        {
            // For profiling by hand: the system stays up until Enter.
            Console.Error.WriteLine($"pid {system.Pid}; wrk -t{connections} -c{connections} -d10s -s {lua} {url}");
            Console.ReadLine();
            return 0;
        }

        await WrkAsync(lua, url, connections, 8); // warm-up: JIT tiers (tiered PGO takes several seconds under load), pools, connections
        await PgbenchAsync(system.ConnectionString, script, mode, connections, 2, description);

        var api = new List<JsonObject>();
        var database = new List<JsonObject>();
        var postgres = await PostgresProcesses.FindAsync(system.ConnectionString);
        for (var round = 0; round < rounds; round++)
        {
            api.Add(await MeasureCpuAsync(() => WrkAsync(lua, url, connections, seconds), postgres, [("handler", system.Pid), ("host", system.HostPid)], "wrk"));
            database.Add(await MeasureCpuAsync(() => PgbenchAsync(system.ConnectionString, script, mode, connections, seconds, description), postgres, [], "pgbench"));
            Console.Error.WriteLine($"autosave round {round + 1}: api {api[^1]["rps"]} req/s, pgbench {database[^1]["tps"]} tps");
        }

        // For context: the same statement unprepared (parsed and planned on every call), as the app ran it before it
        // prepared its statements; not the baseline, which is the database's best.
        var unprepared = await PgbenchAsync(system.ConnectionString, script, "extended", connections, seconds, description);
        var bestApi = api.MaxBy(r => (double)r["rps"]!)!;
        var bestDb = database.MaxBy(r => (double)r["tps"]!)!;
        Bench.Record("autosave", new
        {
            connections,
            seconds,
            rounds,
            pgbench_mode = mode,
            api_rps = (double)bestApi["rps"]!,
            api_p50_ms = (double)bestApi["p50_ms"]!,
            api_p99_ms = (double)bestApi["p99_ms"]!,
            api_errors = api.Sum(r => (long)r["errors"]!),
            pgbench_tps = (double)bestDb["tps"]!,
            pgbench_p50_ms = (double)bestDb["p50_ms"]!,
            pgbench_p99_ms = (double)bestDb["p99_ms"]!,
            pgbench_unprepared_tps = (double)unprepared["tps"]!,
            ratio = Bench.Round((double)bestApi["rps"]! / (double)bestDb["tps"]!, 2),
            // CPU per request (microseconds, user + system) of each process involved, from the best rounds: where the time goes.
            api_cpu_us = bestApi["cpu_us"]?.DeepClone(),
            pgbench_cpu_us = bestDb["cpu_us"]?.DeepClone(),
            api_rounds = api.Select(r => (double)r["rps"]!).ToArray(),
            pgbench_rounds = database.Select(r => (double)r["tps"]!).ToArray(),
        });
        return 0;
    }

    /// <summary>
    /// Runs one load round and adds <c>cpu_us</c>: CPU microseconds per request (or transaction) used by PostgreSQL, the
    /// given processes (the worker as "handler", the Functions host) and the load generator (this driver's reaped child
    /// processes: wrk or pgbench).
    /// </summary>
    private static async Task<JsonObject> MeasureCpuAsync(Func<Task<JsonObject>> round, PostgresProcesses? postgres, (string Name, int Pid)[] processes, string loadGenerator)
    {
        var before = (Postgres: postgres?.CpuSeconds() ?? 0, Processes: processes.Select(p => Bench.CpuSeconds(p.Pid)).ToArray(), Load: Bench.ChildrenCpuSeconds());
        var result = await round();
        var requests = result["requests"]!.GetValue<long>();
        var cpu = new JsonObject();
        if (postgres is not null)
        {
            cpu["postgres"] = PerRequest(postgres.CpuSeconds() - before.Postgres);
        }

        for (var i = 0; i < processes.Length; i++)
        {
            cpu[processes[i].Name] = PerRequest(Bench.CpuSeconds(processes[i].Pid) - before.Processes[i]);
        }

        cpu[loadGenerator] = PerRequest(Bench.ChildrenCpuSeconds() - before.Load);
        result["cpu_us"] = cpu;
        return result;

        double PerRequest(double seconds) => Bench.Round(seconds * 1e6 / requests);
    }

    /// <summary>
    /// The app's autosave statement (<see cref="Checkup.Core.Submissions.SubmissionStore.SaveDraftSql"/>) as a pgbench
    /// script, for a save without If-Match and without images by the user the app's own bench users are: each pgbench
    /// client saves the row of user bench-autosave-&lt;client_id&gt;. Values come from pgbench -D variables.
    /// </summary>
    internal static string WritePgbenchScript()
    {
        var sql = Regex.Replace(Checkup.Core.Submissions.SubmissionStore.SaveDraftSql, @"@(\w+)", m => m.Groups[1].Value switch
        {
            "authorId" => "('bench-autosave-' || :client_id)",
            "imageIds" => ":images",
            "expectedVersions" => "null", // no If-Match
            var slot when Regex.Match(slot, "^p[123](Name|Description|Role|Image)$") is { Success: true } field => field.Groups[1].Value switch
            {
                "Name" => ":name",
                "Description" => ":description",
                "Role" => ":role",
                _ => "null::uuid",
            },
            var other => throw new InvalidOperationException($"The autosave statement has a parameter @{other} the pgbench script does not know: add it here."),
        });
        var path = Path.Combine(Bench.OutputDirectory, "autosave-pgbench.sql");
        File.WriteAllText(path, "-- Written by bench/Checkup.Bench (Autosave.cs) from SubmissionStore.SaveDraftSql.\n" + sql.TrimEnd() + ";\n");
        return path;
    }

    /// <summary><c>--set K=V</c>: extra app settings, for trying a change without rebuilding.</summary>
    internal static Dictionary<string, string?> Settings(Arguments args) =>
        args.All("set").Select(e => e.Split('=', 2)).ToDictionary(p => p[0], p => (string?)p[1]);

    private static string WriteLuaScript(IReadOnlyList<string> tokens, string body, string suffix)
    {
        var lua = new StringBuilder();
        lua.AppendLine("-- One user per wrk thread (run with as many threads as connections): setup() hands each thread its token.");
        lua.Append("local tokens = {").AppendJoin(", ", tokens.Select(t => $"\"{t}\"")).AppendLine("}");
        lua.AppendLine($"local body = {LuaString(body)}");
        lua.AppendLine("""
            local next_token = 0
            function setup(thread)
              next_token = next_token + 1
              thread:set("token", tokens[next_token])
            end
            local req
            function init(args)
              req = wrk.format("PUT", nil, {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
            end
            function request()
              return req
            end
            function done(summary, latency, requests)
              local e = summary.errors
              io.write(string.format('{"requests":%d,"duration_us":%d,"non2xx":%d,"socket_errors":%d,"p50_us":%d,"p99_us":%d}\n',
                summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
                latency:percentile(50), latency:percentile(99)))
            end
            """);
        var path = Path.Combine(Bench.OutputDirectory, $"autosave-{suffix}.lua");
        File.WriteAllText(path, lua.ToString());
        return path;
    }

    private static string LuaString(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    private static async Task<JsonObject> WrkAsync(string lua, string url, int connections, int seconds)
    {
        var output = await Bench.RunToolAsync("wrk", ["-t", $"{connections}", "-c", $"{connections}", "-d", $"{seconds}s", "--timeout", "5s", "-s", lua, url]);
        var line = output.Split('\n').Last(l => l.StartsWith('{'));
        var json = JsonNode.Parse(line)!.AsObject();
        var requests = (long)json["requests"]!;
        var errors = (long)json["non2xx"]! + (long)json["socket_errors"]!;
        return new JsonObject
        {
            ["rps"] = Bench.Round(requests / ((long)json["duration_us"]! / 1e6)),
            ["requests"] = requests,
            ["p50_ms"] = Bench.Round((long)json["p50_us"]! / 1000.0, 2),
            ["p99_ms"] = Bench.Round((long)json["p99_us"]! / 1000.0, 2),
            ["errors"] = errors,
        };
    }

    /// <summary>pgbench with per-transaction logs (-l) for the latency percentiles.</summary>
    private static async Task<JsonObject> PgbenchAsync(string connectionString, string script, string mode, int clients, int seconds, string description)
    {
        var c = new NpgsqlConnectionStringBuilder(connectionString);
        var logDir = Directory.CreateDirectory(Path.Combine(Bench.OutputDirectory, "pgbench-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        var prefix = Path.Combine(logDir, "tx");
        var environment = new Dictionary<string, string> { ["PGPASSWORD"] = c.Password ?? "" };
        var output = await Bench.RunToolAsync("pgbench", [
            "-h", c.Host!, "-p", $"{c.Port}", "-U", c.Username ?? "postgres", "-n",
            "-c", $"{clients}", "-j", $"{Math.Min(clients, Environment.ProcessorCount)}", "-T", $"{seconds}", "-M", mode,
            "-D", $"name={Name}", "-D", $"description={description}", "-D", $"role={Role}", "-D", "images={}",
            "-l", "--log-prefix", prefix, "-f", script, c.Database!], environment);
        var tps = output.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith("tps = ", StringComparison.Ordinal));
        var value = double.Parse(tps["tps = ".Length..].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        // Each log line: client_id transaction_no time_us script_no time_epoch time_us_part
        var latencies = Directory.EnumerateFiles(logDir).SelectMany(File.ReadLines)
            .Select(l => long.Parse(l.Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture)).Order().ToArray();
        Directory.Delete(logDir, recursive: true);
        return new JsonObject
        {
            ["tps"] = Bench.Round(value),
            ["requests"] = (long)latencies.Length,
            ["p50_ms"] = Bench.Round(latencies[latencies.Length / 2] / 1000.0, 2),
            ["p99_ms"] = Bench.Round(latencies[(int)(latencies.Length * 0.99)] / 1000.0, 2),
        };
    }
}
