using Checkup.Core.Auth;

namespace Checkup.Functions.Auth;

/// <summary>
/// <c>Checkup.Functions token --sub alice [--admin] [--hours 12]</c>: a JWT signed with the local shared key.
/// Superseded by tools/Checkup.Cli (<c>./checkup token</c>); goes with the custom handler's verbs.
/// </summary>
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
        if (DevTokens.Problem(auth) is { } problem)
        {
            Console.Error.WriteLine(problem);
            return 2;
        }

        Console.WriteLine(DevTokens.Mint(auth, sub, admin, TimeSpan.FromHours(hours)));
        return 0;
    }
}
