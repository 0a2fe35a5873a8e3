using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Checkup.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Checkup.Tests.Auth;

/// <summary>
/// <c>Auth__Authority</c>: keys come from an OpenID Connect issuer's discovery document (a small issuer served by the
/// test on loopback), asymmetric algorithms only, and a rotated key is picked up without a restart.
/// </summary>
public sealed class OidcAuthorityTests : IAsyncLifetime
{
    private readonly RSA _first = RSA.Create(2048);
    private readonly RSA _second = RSA.Create(2048);
    private WebApplication _issuer = null!;
    private volatile RSA[] _published = [];
    private int _keyFetches;

    public string Authority { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _published = [_first];
        (_issuer, Authority) = await LoopbackServer.StartAsync(issuer =>
        {
            issuer.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
            {
                ["issuer"] = Authority,
                ["jwks_uri"] = Authority + "/keys",
                ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            }));
            issuer.MapGet("/keys", () =>
            {
                Interlocked.Increment(ref _keyFetches);
                return Results.Json(new { keys = _published.Select(Jwk).ToArray() });
            });
        });
    }

    public async Task DisposeAsync()
    {
        await _issuer.DisposeAsync();
        _first.Dispose();
        _second.Dispose();
    }

    [Fact]
    public async Task A_token_signed_by_the_authority_is_accepted_and_bad_ones_are_refused()
    {
        await using var factory = AppTrusting(Authority);
        var client = factory.CreateClient();
        var user = Users.New();

        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(client, Rs256(_first, "first", user))); // signed in, nothing started yet
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(client, Rs256(_first, "first", user, issuer: "https://elsewhere.example.com")));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(client, Rs256(_first, "first", user, audience: "another-api")));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(client, Tokens.AlgNone(user)));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(client, Rs256(_second, "first", user))); // right kid, wrong key
        // Algorithm confusion: HS256 keyed with the authority's public key must not pass for an RS256 signature.
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(client, Hs256WithPublicKey(_first, user)));
    }

    [Fact]
    public async Task A_rotated_signing_key_is_fetched_from_the_authority_without_a_restart()
    {
        await using var factory = AppTrusting(Authority);
        var client = factory.CreateClient();
        var user = Users.New();
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(client, Rs256(_first, "first", user)));
        var fetchesBefore = _keyFetches;

        _published = [_second]; // the issuer rotates: the first key is retired, a new one signs
        var rotated = Rs256(_second, "second", user);
        var status = HttpStatusCode.Unauthorized;
        for (var attempt = 0; attempt < 50 && status == HttpStatusCode.Unauthorized; attempt++)
        {
            // The unknown key id makes the app refetch the keys; the refetch may finish after this request.
            status = await StatusAsync(client, rotated);
            if (status == HttpStatusCode.Unauthorized)
            {
                await Task.Delay(100);
            }
        }

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.True(_keyFetches > fetchesBefore);
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(client, Rs256(_first, "first", user, expiresIn: TimeSpan.FromMinutes(5)))); // retired key
    }

    private static CheckupFactory AppTrusting(string authority) => new(new Dictionary<string, string?>
    {
        ["Auth:Authority"] = authority,
        ["Auth:SigningKey"] = null,
        ["Auth:Issuer"] = null,
    });

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/submission");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (await client.SendAsync(request)).StatusCode;
    }

    private string Rs256(RSA key, string keyId, string sub, string? issuer = null, string audience = CheckupFactory.Audience, TimeSpan? expiresIn = null)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity([new Claim("sub", sub)]),
            Issuer = issuer ?? Authority,
            Audience = audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + (expiresIn ?? TimeSpan.FromHours(1)),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(key) { KeyId = keyId }, SecurityAlgorithms.RsaSha256),
        });
    }

    private string Hs256WithPublicKey(RSA key, string sub)
    {
        var publicKey = Encoding.UTF8.GetBytes(key.ExportSubjectPublicKeyInfoPem());
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity([new Claim("sub", sub)]),
            Issuer = Authority,
            Audience = CheckupFactory.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddHours(1),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(publicKey) { KeyId = "first" }, SecurityAlgorithms.HmacSha256),
        });
    }

    private object Jwk(RSA key)
    {
        var parameters = key.ExportParameters(false);
        return new
        {
            kty = "RSA",
            use = "sig",
            alg = "RS256",
            kid = key == _first ? "first" : "second",
            n = Base64UrlEncoder.Encode(parameters.Modulus),
            e = Base64UrlEncoder.Encode(parameters.Exponent),
        };
    }
}
