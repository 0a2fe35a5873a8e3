using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Checkup.Functions.Auth;
using Checkup.Tests.Infrastructure;
using Checkup.Tests.Web;
using Microsoft.Playwright;

namespace Checkup.Tests.Worker;

/// <summary>
/// The interactive docs at GET /api/docs: Swagger UI served by the app itself (nothing from a CDN) on the generated
/// document, opened in Debian's Chromium; a person sees every operation and can try one with a pasted token.
/// </summary>
[Collection(OpenApiCollection.Name)]
public sealed partial class OpenApiDocsTests(HostedAppFixture fixture)
{
    private HostedApp App => fixture.App;

    [Fact]
    public async Task The_docs_page_and_every_file_it_loads_come_from_the_app_with_their_types_and_a_strict_csp()
    {
        var client = App.CreateClient();
        var page = await client.GetAsync("/api/docs");
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var csp = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal); // no inline script for the CSP to allow

        var files = Reference().Matches(html).Select(m => m.Groups["url"].Value).ToList();
        Assert.Equal(4, files.Count);
        Assert.All(files, url => Assert.StartsWith("/api/docs/", url, StringComparison.Ordinal));
        var types = new Dictionary<string, string> { [".js"] = "text/javascript", [".css"] = "text/css", [".png"] = "image/png" };
        foreach (var url in files)
        {
            var file = await client.GetAsync(url);
            var bytes = await file.Content.ReadAsByteArrayAsync();
            Assert.True(file.StatusCode == HttpStatusCode.OK, $"{url}: {(int)file.StatusCode}");
            Assert.Equal(types[Path.GetExtension(url)], file.Content.Headers.ContentType?.MediaType);
            Assert.True(bytes.Length > 0, url);
            Assert.Empty(file.Content.Headers.ContentEncoding); // this client asked for no gzip: the file as it is
        }

        var missing = await client.GetAsync("/api/docs/secrets.json");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("not_found", JsonDocument.Parse(await missing.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_browser_lists_every_operation_and_tries_one_with_a_pasted_token()
    {
        var document = JsonDocument.Parse(await App.CreateClient().GetStringAsync("/api/openapi.json")).RootElement;
        var operationIds = document.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(o => o.Value.GetProperty("operationId").GetString()!))
            .ToList();
        var token = Checkup.Core.Auth.DevTokens.Mint(HostedApp.Auth, Users.New("docs"), admin: false, TimeSpan.FromHours(1));

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = WebClientHost.ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var page = await browser.NewPageAsync();
        var problems = new List<string>();
        var elsewhere = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                problems.Add(message.Text); // a CSP violation, a script error
            }
        };
        page.PageError += (_, error) => problems.Add(error);
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(App.BaseAddress.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal))
            {
                elsewhere.Add(request.Url);
            }
        };

        await page.GotoAsync(new Uri(App.BaseAddress, "/api/docs").ToString());

        // Every operation, by its id (the UI shows ids next to the paths).
        await Assertions.Expect(page.Locator(".opblock")).ToHaveCountAsync(operationIds.Count);
        var shownIds = await page.Locator(".opblock-summary-operation-id").AllInnerTextsAsync();
        Assert.Equal(operationIds.Order(), shownIds.Select(s => s.Trim()).Order());

        Assert.True(problems.Count == 0, "The page reported: " + string.Join(Environment.NewLine, problems));
        await page.ScreenshotAsync(new() { Path = Path.Combine(TestEnvironment.RepositoryRoot, "artifacts", "screenshots", "api-docs.png"), FullPage = true });

        // Authorize with the token, then try GET /api/submission: the new person has none yet, so 404 (not 401).
        await page.ClickAsync("button.authorize");
        await page.FillAsync(".auth-container input", token);
        await page.ClickAsync(".auth-btn-wrapper button.authorize");
        await page.ClickAsync("button.close-modal");
        var operation = page.Locator("#operations-Submission-GetSubmission");
        await operation.Locator(".opblock-summary").ClickAsync();
        await operation.Locator("button.execute").ClickAsync();
        await Assertions.Expect(operation.Locator(".live-responses-table tbody .response-col_status").First).ToHaveTextAsync("404");
        await Assertions.Expect(operation.Locator(".live-responses-table")).ToContainTextAsync("submission_not_found");

        Assert.Empty(elsewhere);
        // The browser logs the tried request's 404 as an error; nothing else may be reported (a CSP violation, a script error).
        Assert.Equal(["Failed to load resource: the server responded with a status of 404 (Not Found)"], problems);
    }

    [GeneratedRegex("(?:src|href)=\"(?<url>[^\"]+)\"")]
    private static partial Regex Reference();
}
