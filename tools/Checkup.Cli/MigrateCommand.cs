using Checkup.Core.Database;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Checkup.Cli;

/// <summary>
/// <c>migrate</c>: applies the pending migrations as whoever the connection string names. On Azure the app's own role may
/// not change the schema, so the Entra administrator runs this (README, "Deploy to Azure").
/// </summary>
internal static class MigrateCommand
{
    public static int Run(IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Postgres");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            Console.Error.WriteLine("ConnectionStrings__Postgres is not set: give the PostgreSQL connection string.");
            return 2;
        }

        using var loggers = LoggerFactory.Create(logging => logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        var applied = Migrator.Apply(connectionString, loggers.CreateLogger("Migrations"));
        Console.Error.WriteLine(applied.Count == 0 ? "Database is up to date." : $"Applied {applied.Count} migration(s): {string.Join(", ", applied)}");
        return 0;
    }
}
