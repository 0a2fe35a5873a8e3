using Azure.Core;
using Checkup.Core;
using Checkup.Core.Database;
using Checkup.Tests.Infrastructure;
using Npgsql;

namespace Checkup.Tests.Foundation;

/// <summary>
/// With Microsoft Entra authentication the database password is an access token that lapses after about an hour. The
/// data source must ask for a new one before the old one expires, and keep opening connections across the change.
/// Here the token provider is a fake whose every new token becomes the password of a role of the test's own (the
/// local server makes roles of the group checkup_password_login sign in with a password, see ./checkup): a connection
/// opens only with the newest token, as on Azure only an unexpired one signs in.
/// </summary>
public sealed class EntraTokenTests : IAsyncLifetime
{
    private readonly string _role = "entra_" + Guid.NewGuid().ToString("N")[..12];

    public async Task InitializeAsync()
    {
        await AdminAsync($"""
            do $$ begin
              if not exists (select from pg_roles where rolname = 'checkup_password_login') then create role checkup_password_login nologin; end if;
            end $$;
            create role {_role} login password 'no-token-yet' in role checkup_password_login;
            """);
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await AdminAsync($"drop role if exists {_role}");
    }

    private static async Task AdminAsync(string sql)
    {
        await using var admin = new NpgsqlConnection(TestEnvironment.Postgres);
        await admin.OpenAsync();
        await using var command = new NpgsqlCommand(sql, admin);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The role's connection string, without a password and without pooling (every open signs in).</summary>
    private string RoleConnectionString => new NpgsqlConnectionStringBuilder(TestEnvironment.Postgres)
    {
        Username = _role,
        Password = null,
        Pooling = false,
    }.ConnectionString;

    [Fact]
    public async Task The_data_source_asks_for_a_new_token_before_the_old_one_expires_and_keeps_serving()
    {
        var clock = new ManualClock(DateTimeOffset.Parse("2026-12-03T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var credential = new CountingCredential(clock, _role, lifetime: TimeSpan.FromMinutes(60));
        var passwords = new EntraPasswords(credential, clock);
        await using var dataSource = CheckupCoreExtensions.UseEntraTokens(CheckupCoreExtensions.DataSource(RoleConnectionString), passwords).Build();

        var seen = new List<(TimeSpan At, int Tokens)>();
        foreach (var minutes in new[] { 0, 10, 54, 56, 60, 100, 110, 112 })
        {
            clock.Now = credential.Start + TimeSpan.FromMinutes(minutes);
            await using var connection = await dataSource.OpenConnectionAsync();
            await using var command = new NpgsqlCommand("select 1", connection);
            Assert.Equal(1, await command.ExecuteScalarAsync());
            seen.Add((TimeSpan.FromMinutes(minutes), credential.Issued.Count));
        }

        // The first token (expires at 60) serves until 5 minutes before; the second, from 56 (expires at 116), until 111.
        Assert.Equal([1, 1, 1, 2, 2, 2, 2, 3], seen.Select(s => s.Tokens));
        Assert.All(credential.Issued, token => Assert.Equal(EntraPasswords.Scope, Assert.Single(token.Scopes)));
        Assert.All(credential.HandedOut, h => Assert.True(h.ExpiresOn - h.At > EntraPasswords.RefreshBefore,
            $"a token with {h.ExpiresOn - h.At} left was used at {h.At}"));
    }

    [Fact]
    public async Task Connections_opened_at_once_share_one_token_request()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var credential = new CountingCredential(clock, _role, lifetime: TimeSpan.FromMinutes(60), delay: TimeSpan.FromMilliseconds(200));
        var passwords = new EntraPasswords(credential, clock);
        await using var dataSource = CheckupCoreExtensions.UseEntraTokens(CheckupCoreExtensions.DataSource(RoleConnectionString), passwords).Build();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            await using var connection = await dataSource.OpenConnectionAsync();
        }));

        Assert.Single(credential.Issued);
    }

    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    /// <summary>
    /// A token provider that issues numbered tokens of a fixed lifetime, makes each new one the role's only valid password
    /// (as a lapsed token stops signing in), and records what it issued, when.
    /// </summary>
    private sealed class CountingCredential(ManualClock clock, string role, TimeSpan lifetime, TimeSpan delay = default) : TokenCredential
    {
        private readonly Lock _lock = new();

        public DateTimeOffset Start { get; } = clock.Now;
        public List<TokenRequestContext> Issued { get; } = [];
        public List<(DateTimeOffset At, DateTimeOffset ExpiresOn)> HandedOut { get; } = [];

        public override AccessToken GetToken(TokenRequestContext request, CancellationToken ct) => GetTokenAsync(request, ct).AsTask().GetAwaiter().GetResult();

        public override async ValueTask<AccessToken> GetTokenAsync(TokenRequestContext request, CancellationToken ct)
        {
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, ct);
            }

            string token;
            DateTimeOffset expires;
            lock (_lock)
            {
                Issued.Add(request);
                expires = clock.Now + lifetime;
                HandedOut.Add((clock.Now, expires));
                token = $"token-{Issued.Count}-{Guid.NewGuid():N}";
            }

            await AdminAsync($"alter role {role} password '{token}'");
            return new AccessToken(token, expires);
        }
    }
}
