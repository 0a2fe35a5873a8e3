using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Checkup.CloudinaryLocal;

// dotnet CloudinaryLocal.dll --port 7122 --data .local/cloudinary [--account cloudinary://key:secret@cloud]
// (the account also comes from CLOUDINARY_URL). Point the app at it with CLOUDINARY_URL set to the same account and
// Cloudinary__ApiBaseUrl=http://127.0.0.1:<port>.
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        const string Usage = "usage: CloudinaryLocal --port N --data DIR [--account cloudinary://<key>:<secret>@<cloud>] [--host 127.0.0.1]";

        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                Console.Error.WriteLine($"CloudinaryLocal: unexpected '{args[i]}'. {Usage}");
                return 2;
            }

            settings[args[i][2..]] = args[++i];
        }

        if (!settings.TryGetValue("port", out var portText) || !int.TryParse(portText, out var port) || port is < 0 or > 65535)
        {
            Console.Error.WriteLine($"CloudinaryLocal: --port must be a port number. {Usage}");
            return 2;
        }

        if (!settings.TryGetValue("data", out var data))
        {
            Console.Error.WriteLine($"CloudinaryLocal: --data must name the folder that keeps the assets. {Usage}");
            return 2;
        }

        var accountUrl = settings.GetValueOrDefault("account") ?? Environment.GetEnvironmentVariable("CLOUDINARY_URL") ?? "cloudinary://local-key:local-secret@checkup-local";
        if (LocalAccount.Parse(accountUrl) is not { } account)
        {
            Console.Error.WriteLine($"CloudinaryLocal: the account must look like cloudinary://<key>:<secret>@<cloud>, not '{accountUrl}'.");
            return 2;
        }

        var host = settings.GetValueOrDefault("host") ?? "127.0.0.1";
        var (app, cloudinary, baseUrl) = await LocalCloudinary.StartAsync(new LocalCloudinaryOptions(account, Path.GetFullPath(data)), $"http://{host}:{port}",
            logging => logging.AddSimpleConsole(o => o.SingleLine = true).AddFilter("Microsoft", LogLevel.Warning));
        Console.WriteLine($"Local Cloudinary listening at {baseUrl} for cloud '{account.CloudName}' (API key '{account.ApiKey}'), {cloudinary.Store.Count} assets in {Path.GetFullPath(data)}");
        await app.WaitForShutdownAsync();
        return 0;
    }
}
