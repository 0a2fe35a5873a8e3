using Npgsql;

namespace Checkup.Core.Configuration;

public sealed class DatabaseOptions
{
    /// <summary>From <c>ConnectionStrings__Postgres</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Apply pending migrations when the app starts (<c>Database__MigrateOnStart</c>, default true).</summary>
    public bool MigrateOnStart { get; set; } = true;

    /// <summary>
    /// <c>Database__Authentication</c>: <c>Password</c> (default: whatever the connection string says) or <c>Entra</c>:
    /// the password is a Microsoft Entra access token of the app's managed identity (or of the signed-in developer),
    /// and the connection string names the identity's database role as its Username and holds no password.
    /// </summary>
    public DatabaseAuthentication Authentication { get; set; } = DatabaseAuthentication.Password;

    /// <summary><c>Database__ClientId</c>: with Entra, the client id of a user-assigned managed identity (else the system-assigned one).</summary>
    public string? ClientId { get; set; }

    internal static string? Problem(DatabaseOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return "ConnectionStrings__Postgres is not set: give the PostgreSQL connection string, e.g. 'Host=127.0.0.1;Port=5432;Username=postgres;Database=checkup'.";
        }

        try
        {
            var given = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            if (options.Authentication == DatabaseAuthentication.Entra && (!string.IsNullOrEmpty(given.Password) || string.IsNullOrEmpty(given.Username)))
            {
                return "With Database__Authentication=Entra, ConnectionStrings__Postgres names the identity's database role as Username and has no Password " +
                       "(the password is an access token): e.g. 'Host=...;Database=checkup;Username=checkup-func;SSL Mode=Require'.";
            }

            if (options.Authentication == DatabaseAuthentication.Entra && options.MigrateOnStart)
            {
                return "With Database__Authentication=Entra, set Database__MigrateOnStart=false: the app's role may read and write the tables but not " +
                       "change the schema; migrations run as the database's Entra administrator ('./checkup migrate', see the README).";
            }

            return null;
        }
        catch (ArgumentException e)
        {
            return $"ConnectionStrings__Postgres is malformed ({e.Message}): expected 'Host=...;Port=...;Username=...;Database=...'.";
        }
    }
}

public enum DatabaseAuthentication
{
    /// <summary>As the connection string says (a password, or none for trust/peer authentication).</summary>
    Password,

    /// <summary>A Microsoft Entra access token as the password, refreshed before it expires.</summary>
    Entra,
}
