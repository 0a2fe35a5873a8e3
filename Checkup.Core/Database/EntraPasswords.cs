using Azure.Core;
using Npgsql;

namespace Checkup.Core.Database;

/// <summary>
/// The password of a PostgreSQL connection made with Microsoft Entra authentication: an access token for Azure Database
/// for PostgreSQL, from the app's managed identity on Azure (or the developer's sign-in). Npgsql asks for it each time it
/// opens a physical connection; the token is kept until <see cref="RefreshBefore"/> ahead of its expiry and then
/// replaced, so no connection is ever opened with a token about to lapse. Connections already open stay open: the
/// server checks the token only when a connection signs in.
/// </summary>
internal sealed class EntraPasswords(TokenCredential credential, TimeProvider clock)
{
    /// <summary>The audience Azure Database for PostgreSQL accepts tokens for.</summary>
    public const string Scope = "https://ossrdbms-aad.database.windows.net/.default";

    /// <summary>A token with less left than this is replaced before the next connection opens.</summary>
    public static readonly TimeSpan RefreshBefore = TimeSpan.FromMinutes(5);

    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private AccessToken? _token;

    public async ValueTask<string> PasswordAsync(NpgsqlConnectionStringBuilder _, CancellationToken ct)
    {
        if (Usable() is { } token)
        {
            return token;
        }

        await _refreshing.WaitAsync(ct);
        try
        {
            if (Usable() is { } refreshedMeanwhile)
            {
                return refreshedMeanwhile;
            }

            var fresh = await credential.GetTokenAsync(new TokenRequestContext([Scope]), ct);
            _token = fresh;
            return fresh.Token;
        }
        finally
        {
            _refreshing.Release();
        }
    }

    private string? Usable() =>
        _token is { } token && token.ExpiresOn - clock.GetUtcNow() > RefreshBefore ? token.Token : null;
}
