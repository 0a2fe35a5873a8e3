using Checkup.Core.Admin;
using Checkup.Core.Cleanup;
using Checkup.Core.Cloudinary;
using Checkup.Core.Configuration;
using Checkup.Core.Database;
using Checkup.Core.Health;
using Checkup.Core.Images;
using Checkup.Core.Storage;
using Checkup.Core.Submissions;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Checkup.Core;

public static class CheckupCoreExtensions
{
    /// <summary>Everything that talks to PostgreSQL, storage and Cloudinary, with options validated at start.</summary>
    public static IServiceCollection AddCheckupCore(this IServiceCollection services, IConfiguration configuration)
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;

        services.AddValidatedOptions<DatabaseOptions>(o =>
        {
            o.ConnectionString = configuration.GetConnectionString("Postgres");
            configuration.GetSection("Database").Bind(o);
        }, DatabaseOptions.Problem);
        services.AddValidatedOptions<StorageOptions>(o =>
        {
            var section = configuration.GetSection("AzureWebJobsStorage");
            o.ConnectionString = section.Value;
            o.BlobServiceUri = Uri.TryCreate(section["blobServiceUri"], UriKind.Absolute, out var blob) ? blob : null;
            o.QueueServiceUri = Uri.TryCreate(section["queueServiceUri"], UriKind.Absolute, out var queue) ? queue : null;
            o.ClientId = section["clientId"];
            configuration.GetSection("Storage").Bind(o);
        }, StorageOptions.Problem);
        services.AddValidatedOptions<CloudinaryOptions>(o =>
        {
            o.Url = configuration["CLOUDINARY_URL"];
            configuration.GetSection("Cloudinary").Bind(o);
        }, CloudinaryOptions.Problem);

        // Built from the validated options, not read at registration: configuration can still change until the host is built.
        services.AddSingleton(sp =>
        {
            var database = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            var builder = DataSource(database.ConnectionString!).UseLoggerFactory(sp.GetService<ILoggerFactory>());
            if (database.Authentication == DatabaseAuthentication.Entra)
            {
                UseEntraTokens(builder, new EntraPasswords(EntraCredential(database.ClientId), sp.GetRequiredService<TimeProvider>()));
            }

            return builder.Build();
        });
        services.AddSingleton<StorageClients>();
        services.AddSingleton<HealthProbe>();
        services.AddSubmissions(configuration);
        services.AddImagePipeline(configuration);
        services.AddAdmin();
        services.AddSingleton<StartupTasks>();
        services.AddHostedService(sp => sp.GetRequiredService<StartupTasks>());
        return services;
    }

    private static void AddImagePipeline(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<ImageOptions>(o => configuration.GetSection("Images").Bind(o), ImageOptions.Problem);
        services.TryAddSingleton(TimeProvider.System);
        // Timeouts are the client's own (per request, so they can be told from a caller's cancellation).
        services.AddHttpClient<CloudinaryClient>(http => http.Timeout = Timeout.InfiniteTimeSpan);
        services.AddSingleton<ImageStore>();
        services.AddSingleton<ImageQueue>();
        services.AddSingleton<ImageSanitizer>();
        // Scoped: they hold the typed HttpClient, which the factory rotates.
        services.AddScoped<ImageUploads>();
        services.AddScoped<ImageProcessor>();
        services.AddScoped<ImageRetries>();
        services.AddScoped<CleanupJob>();
    }

    /// <summary>
    /// Statements prepared on each connection after a few uses, and no session reset when a connection goes back to the
    /// pool, unless the connection string says otherwise.
    /// </summary>
    /// <remarks>
    /// The statements are a few constant SQL texts run over and over; unprepared, PostgreSQL plans each on every call,
    /// and for the autosave statement (a CTE of five parts) planning costs several times what running it does
    /// (bench/run: pgbench runs it five times faster prepared than unprepared). <c>Max Auto Prepare=0</c> in the
    /// connection string turns this off (needed behind a pooler in transaction mode that does not track prepared statements).
    /// <para>
    /// With prepared statements to keep, Npgsql resets a returned connection with six statements of its own (RESET ALL,
    /// CLOSE ALL, UNLISTEN *, pg_advisory_unlock_all(), DISCARD SEQUENCES, DISCARD TEMP) before its next use: for a
    /// request that runs one statement, PostgreSQL spent more than half again the CPU of that statement on them
    /// (bench/run, autosave). The app leaves no session state to reset: it never SETs, LISTENs, creates temporary tables
    /// or takes advisory locks on a pooled connection (the migration lock has a connection of its own), and an
    /// unfinished transaction is rolled back on return either way. <c>No Reset On Close=false</c> brings the reset back.
    /// </para>
    /// </remarks>
    internal static NpgsqlDataSourceBuilder DataSource(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        if (!given.ContainsKey("Max Auto Prepare") && !given.ContainsKey("MaxAutoPrepare"))
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = MaxAutoPrepare;
        }

        if (!given.ContainsKey("No Reset On Close") && !given.ContainsKey("NoResetOnClose"))
        {
            builder.ConnectionStringBuilder.NoResetOnClose = true;
        }

        return builder;
    }

    internal static NpgsqlDataSourceBuilder UseEntraTokens(NpgsqlDataSourceBuilder builder, EntraPasswords passwords) =>
        builder.UsePasswordProvider(
            passwordProvider: settings => passwords.PasswordAsync(settings, CancellationToken.None).AsTask().GetAwaiter().GetResult(),
            passwordProviderAsync: passwords.PasswordAsync);

    /// <summary>The app's managed identity on Azure; a developer's own sign-in (Azure CLI, Visual Studio...) elsewhere.</summary>
    private static Azure.Core.TokenCredential EntraCredential(string? clientId) =>
        new Azure.Identity.DefaultAzureCredential(new Azure.Identity.DefaultAzureCredentialOptions
        {
            ManagedIdentityClientId = string.IsNullOrWhiteSpace(clientId) ? null : clientId,
        });

    /// <summary>More than the app has statements, so none is evicted by another.</summary>
    internal const int MaxAutoPrepare = 64;

    /// <summary>Options checked when the host starts, with a message that names the setting and its expected form.</summary>
    public static IServiceCollection AddValidatedOptions<T>(this IServiceCollection services, Action<T> configure, Func<T, string?> problem)
        where T : class
    {
        services.AddOptions<T>().Configure(configure).ValidateOnStart();
        services.AddSingleton<IValidateOptions<T>>(new ProblemValidator<T>(problem));
        return services;
    }
}

/// <summary>Turns a "what is wrong, in words" function into an options validator whose message names the setting.</summary>
internal sealed class ProblemValidator<T>(Func<T, string?> problem) : IValidateOptions<T> where T : class
{
    public ValidateOptionsResult Validate(string? name, T options) =>
        problem(options) is { } message ? ValidateOptionsResult.Fail(message) : ValidateOptionsResult.Success;
}
