using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Checkup.Core.Auth;

/// <summary>
/// Development tokens: JWTs signed with the shared HS256 key, carrying what the app checks (issuer, audience, lifetime,
/// <c>sub</c>, and the admin role when asked). Minted by <c>./checkup token</c> (tools/Checkup.Cli), the tests and bench.
/// </summary>
public static class DevTokens
{
    /// <summary>Why these settings cannot mint development tokens; null when they can.</summary>
    public static string? Problem(AuthOptions auth) =>
        AuthOptions.Problem(auth)
        ?? (auth.UsesSharedKey ? null : "Development tokens need Auth__SigningKey (the app is configured for an OpenID Connect authority).");

    public static string Mint(AuthOptions auth, string sub, bool admin, TimeSpan lifetime)
    {
        var claims = new List<Claim> { new("sub", sub) };
        if (admin)
        {
            claims.Add(new Claim("role", auth.AdminRole));
        }

        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity(claims),
            Issuer = auth.Issuer,
            Audience = auth.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            SigningCredentials = new SigningCredentials(auth.SharedKey(), SecurityAlgorithms.HmacSha256),
        });
    }
}
