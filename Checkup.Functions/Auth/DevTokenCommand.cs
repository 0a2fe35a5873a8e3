using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Checkup.Functions.Auth;

/// <summary><c>Checkup.Functions token --sub alice [--admin] [--hours 12]</c>: a JWT signed with the local shared key.</summary>
public static class DevTokenCommand
{
    public static int Run(string[] args, IConfiguration configuration)
    {
        string? sub = null;
        var admin = false;
        var hours = 12.0;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--sub" when i + 1 < args.Length: sub = args[++i]; break;
                case "--admin": admin = true; break;
                case "--hours" when i + 1 < args.Length && double.TryParse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture, out hours): i++; break;
                default:
                    Console.Error.WriteLine($"Unknown argument '{args[i]}'. Usage: token --sub <user id> [--admin] [--hours 12]");
                    return 2;
            }
        }

        if (string.IsNullOrWhiteSpace(sub))
        {
            Console.Error.WriteLine("Usage: token --sub <user id> [--admin] [--hours 12]");
            return 2;
        }

        var auth = configuration.GetSection("Auth").Get<AuthOptions>() ?? new AuthOptions();
        var problem = AuthOptions.Problem(auth)
            ?? (auth.UsesSharedKey ? null : "Development tokens need Auth__SigningKey (the app is configured for an OpenID Connect authority).");
        if (problem is not null)
        {
            Console.Error.WriteLine(problem);
            return 2;
        }

        Console.WriteLine(Mint(auth, sub, admin, TimeSpan.FromHours(hours)));
        return 0;
    }

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
            SigningCredentials = new SigningCredentials(AuthSetup.SharedKey(auth), SecurityAlgorithms.HmacSha256),
        });
    }
}
