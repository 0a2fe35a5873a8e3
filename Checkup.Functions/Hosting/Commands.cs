using Checkup.Core.Database;
using Checkup.Functions.Auth;

namespace Checkup.Functions.Hosting;

/// <summary>The executable's command-line verbs besides serving: <c>token</c> and <c>migrate</c>.</summary>
public static class Commands
{
    public static int? TryRun(string[] args)
    {
        return args switch
        {
            ["token", .. var rest] => DevTokenCommand.Run(rest, Configuration()),
            ["migrate", ..] => Migrate(),
            _ => null,
        };
    }

    private static int Migrate()
    {
        var connectionString = Configuration().GetConnectionString("Postgres");
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

    private static IConfiguration Configuration() => new ConfigurationBuilder()
        .SetBasePath(AppContext.BaseDirectory)
        .AddJsonFile("appsettings.json", optional: true)
        .AddEnvironmentVariables()
        .Build();
}
