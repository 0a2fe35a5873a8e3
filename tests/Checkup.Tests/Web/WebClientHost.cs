using Checkup.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Playwright;

namespace Checkup.Tests.Web;

/// <summary>
/// Everything the reference client needs, as a person's machine would have it: the API on real Kestrel (standalone,
/// with its in-process queue consumer and timer) on its own scratch database, the Cloudinary stand-in, the static
/// page served from another origin (so CORS is real), and Debian's Chromium driven by Playwright.
/// </summary>
public sealed class WebClientHost : IAsyncDisposable
{
    private readonly ScratchApp _api;
    private readonly WebApplication _static;
    private readonly IPlaywright _playwright;

    private WebClientHost(ScratchApp api, CloudinaryStandIn cloudinary, string apiUrl, WebApplication statics, string webUrl, IPlaywright playwright, IBrowser browser)
    {
        _api = api;
        Cloudinary = cloudinary;
        ApiUrl = apiUrl;
        _static = statics;
        WebUrl = webUrl;
        _playwright = playwright;
        Browser = browser;
    }

    public CloudinaryStandIn Cloudinary { get; }
    public CheckupFactory Api => _api.Factory;
    public string ApiUrl { get; }
    public string WebUrl { get; }
    public IBrowser Browser { get; }

    public static string ChromiumPath => Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium";

    public static async Task<WebClientHost> StartAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"Chromium is missing at {ChromiumPath}: './checkup test' installs Debian's chromium, or set CHROMIUM_PATH.");
        }

        string? config = null;
        var (statics, webUrl) = await StartStaticSiteAsync(Path.Combine(TestEnvironment.RepositoryRoot, "web"), () => config);
        var cloudinary = await CloudinaryStandIn.StartAsync();
        var api = await ScratchApp.CreateAsync(new Dictionary<string, string?>
        {
            ["CLOUDINARY_URL"] = cloudinary.CloudinaryUrl,
            ["Cloudinary:ApiBaseUrl"] = cloudinary.BaseUrl.ToString(),
            ["Cors:AllowedOrigins"] = webUrl,
            // The real flow: the host's queue listener delivers, as under './checkup run' (polling an idle queue more often).
            ["AzureFunctionsJobHost:extensions:queues:maxPollingInterval"] = "00:00:00.200",
            ["AzureWebJobs.ProcessImage.Disabled"] = null,
        });
        var apiUrl = api.Factory.StartOnKestrel().ToString().TrimEnd('/');
        config = System.Text.Json.JsonSerializer.Serialize(new { apiOrigins = new[] { apiUrl } }); // as ./checkup run writes web/config.json

        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Root in a container needs --no-sandbox; the rest keeps Chromium off a network this machine does not have.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        return new WebClientHost(api, cloudinary, apiUrl, statics, webUrl, playwright, browser);
    }

    /// <summary>A page signed in as <paramref name="sub"/>, the way the run command's printed link signs one in.</summary>
    public async Task<IPage> OpenAsync(IBrowserContext context, string? sub)
    {
        var page = await context.NewPageAsync();
        var token = sub is null ? null : Checkup.Core.Auth.DevTokens.Mint(Api.Auth, sub, false, TimeSpan.FromHours(1));
        await page.GotoAsync(token is null ? $"{WebUrl}/#api={Uri.EscapeDataString(ApiUrl)}" : $"{WebUrl}/#api={Uri.EscapeDataString(ApiUrl)}&token={token}");
        return page;
    }

    /// <summary>web/ as a static site, with <c>config.json</c> (the API origins the page may use) from <paramref name="config"/>, not from the folder.</summary>
    private static async Task<(WebApplication App, string Url)> StartStaticSiteAsync(string root, Func<string?> config)
    {
        var files = new PhysicalFileProvider(root);
        return await LoopbackServer.StartAsync(app =>
        {
            app.Use(async (context, next) =>
            {
                if (context.Request.Path == "/config.json" && config() is { } json)
                {
                    context.Response.ContentType = "application/json";
                    await context.Response.WriteAsync(json);
                    return;
                }

                await next(context);
            });
            app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
            app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
        });
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
        await _api.DisposeAsync();
        await _static.DisposeAsync();
        await Cloudinary.DisposeAsync();
    }
}
