using System.Globalization;
using Checkup.Core.Auth;
using Microsoft.Extensions.Configuration;

namespace Checkup.Cli;

/// <summary><c>token --sub alice [--admin] [--hours 12]</c>: a JWT signed with the shared key, on standard output.</summary>
internal static class TokenCommand
{
    private const string Usage = "Usage: token --sub <user id> [--admin] [--hours 12]";

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
                case "--hours" when i + 1 < args.Length && double.TryParse(args[i + 1], CultureInfo.InvariantCulture, out hours): i++; break;
                default:
                    Console.Error.WriteLine($"Unknown argument '{args[i]}'. {Usage}");
                    return 2;
            }
        }

        if (string.IsNullOrWhiteSpace(sub))
        {
            Console.Error.WriteLine(Usage);
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
