using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Checkup.Core.Auth;
using Checkup.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Checkup.Tests.Auth;

/// <summary>Tokens good and bad for a <see cref="CheckupFactory"/>'s HS256 settings.</summary>
public static class Tokens
{
    public static string Valid(string sub, bool admin = false) =>
        DevTokens.Mint(new AuthOptions { SigningKey = CheckupFactory.SigningKey, Issuer = CheckupFactory.Issuer, Audience = CheckupFactory.Audience },
            sub, admin, TimeSpan.FromHours(1));

    public static string Create(
        string? sub,
        string issuer = CheckupFactory.Issuer,
        string audience = CheckupFactory.Audience,
        string signingKey = CheckupFactory.SigningKey,
        string algorithm = SecurityAlgorithms.HmacSha256,
        TimeSpan? expiresIn = null,
        IEnumerable<Claim>? extraClaims = null)
    {
        var now = DateTime.UtcNow;
        var expires = now + (expiresIn ?? TimeSpan.FromHours(1));
        var notBefore = expires < now ? expires - TimeSpan.FromHours(1) : now;
        var claims = new List<Claim>(extraClaims ?? []);
        if (sub is not null)
        {
            claims.Add(new Claim("sub", sub));
        }

        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity(claims),
            Issuer = issuer,
            Audience = audience,
            IssuedAt = notBefore,
            NotBefore = notBefore,
            Expires = expires,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(signingKey)), algorithm),
        });
    }

    /// <summary>Expired well beyond the allowed clock skew of 60 s.</summary>
    public static string Expired(string sub) => Create(sub, expiresIn: TimeSpan.FromSeconds(-90));

    public static string WrongAudience(string sub) => Create(sub, audience: "some-other-api");

    public static string WrongIssuer(string sub) => Create(sub, issuer: "https://issuer.example.com");

    public static string WrongKey(string sub) => Create(sub, signingKey: "not-the-signing-key-of-this-app-0123456789");

    /// <summary>An unsigned token (<c>alg: none</c>) that is otherwise perfect.</summary>
    public static string AlgNone(string sub, bool admin = false)
    {
        var now = DateTimeOffset.UtcNow;
        var payload = new Dictionary<string, object>
        {
            ["sub"] = sub,
            ["iss"] = CheckupFactory.Issuer,
            ["aud"] = CheckupFactory.Audience,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.AddHours(1).ToUnixTimeSeconds(),
        };
        if (admin)
        {
            payload["role"] = "admin";
        }

        return $"{Base64Url(new { alg = "none", typ = "JWT" })}.{Base64Url(payload)}.";
    }

    private static string Base64Url(object value) => Base64UrlEncoder.Encode(JsonSerializer.SerializeToUtf8Bytes(value));
}
