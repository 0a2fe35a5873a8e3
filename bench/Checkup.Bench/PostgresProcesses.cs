using Npgsql;

namespace Checkup.Bench;

/// <summary>
/// The CPU time of a local PostgreSQL server: the postmaster with the time of its ended children (backends of clients that
/// disconnected, like pgbench's), plus every live child (pooled backends, background workers).
/// </summary>
public sealed class PostgresProcesses(int postmaster)
{
    /// <summary>The server behind <paramref name="connectionString"/> when it runs on this machine and /proc shows it; else null.</summary>
    public static async Task<PostgresProcesses?> FindAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select pg_backend_pid()", connection);
        var backend = (int)(await command.ExecuteScalarAsync())!;
        return ParentOf(backend) is { } parent && File.Exists($"/proc/{parent}/stat") ? new PostgresProcesses(parent) : null;
    }

    public double CpuSeconds()
    {
        var ticks = Bench.StatTicks(postmaster, utime: true, children: true);
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid) && ParentOf(pid) == postmaster)
            {
                ticks += Bench.StatTicks(pid, utime: true, children: false);
            }
        }

        return ticks / 100.0;
    }

    private static int? ParentOf(int pid)
    {
        try
        {
            // Fields after "(comm)": state, ppid, ...
            var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
