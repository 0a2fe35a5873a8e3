using Checkup.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Checkup.Tests.Web;

/// <summary>
/// The reference client (web/) in Debian's Chromium against the real API, cross-origin: the whole flow a person
/// walks, a conflict between two tabs, and a screenshot of every screen (docs/screenshots/).
/// </summary>
public sealed class BrowserFlowTests
{
    /// <summary>
    /// Every run saves its screenshots in artifacts/screenshots (ignored); with CHECKUP_UPDATE_SCREENSHOTS=1 they
    /// replace the README's pictures in docs/screenshots, so a test run does not dirty the work tree by accident.
    /// </summary>
    private static readonly string Screenshots = Path.Combine(TestEnvironment.RepositoryRoot,
        Environment.GetEnvironmentVariable("CHECKUP_UPDATE_SCREENSHOTS") == "1" ? "docs" : "artifacts", "screenshots");
    private static readonly TimeSpan PipelineTimeout = TimeSpan.FromSeconds(60); // generous: a loaded CI machine

    [Fact]
    public async Task A_person_signs_in_starts_autosaves_uploads_resolves_a_conflict_fixes_errors_and_submits()
    {
        await using var host = await WebClientHost.StartAsync();
        await using var context = await host.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new() { Width = 900, Height = 1300 } });
        var user = Users.New("browser");

        // Not signed in: the sign-in screen.
        var signIn = await host.OpenAsync(context, sub: null);
        await Expect(signIn.Locator("#screen-signin")).ToBeVisibleAsync();
        await ShotAsync(signIn, "1-sign-in");
        await signIn.CloseAsync();

        // Signed in, never started: 404 -> the start screen; starting shows the empty form.
        var tab = await host.OpenAsync(context, user);
        await Expect(tab.Locator("#screen-start")).ToBeVisibleAsync();
        await ShotAsync(tab, "2-start");
        await tab.ClickAsync("#start");
        await Expect(tab.Locator("#screen-form")).ToBeVisibleAsync();

        // Autosave while typing.
        await Project(tab, 0).Locator("[data-field=name]").FillAsync("Поиск для библиотеки");
        await Project(tab, 0).Locator("[data-field=role]").FillAsync("Designer");
        await Project(tab, 0).Locator("[data-field=description]").FillAsync("Search for a city library, \"quotes\", commas, and all.");
        await Expect(tab.Locator("#save-state")).ToHaveTextAsync("All changes saved");

        // One image per project: progress, then live status until it is in Cloudinary.
        for (var i = 0; i < 3; i++)
        {
            await Project(tab, i).Locator("[data-field=file]").SetInputFilesAsync(new FilePayload { Name = $"project-{i + 1}.png", MimeType = "image/png", Buffer = GradientPng(320, 200, i) });
        }

        for (var i = 0; i < 3; i++)
        {
            try
            {
                await Expect(Project(tab, i).Locator(".image-status")).ToHaveAttributeAsync("data-status", "saved-cld", new() { Timeout = (float)PipelineTimeout.TotalMilliseconds });
            }
            catch (PlaywrightException e)
            {
                var imageId = await Project(tab, i).GetAttributeAsync("data-image-id");
                throw new InvalidOperationException($"Image {i + 1} did not reach saved-cld; the server says: {await ServerImageAsync(host, user, imageId)}", e);
            }
        }

        await Expect(tab.Locator("#save-state")).ToHaveTextAsync("All changes saved");
        Assert.Equal(3, host.Cloudinary.AssetCount);

        // Each image as a thumbnail, loaded from the URL the API returned (the local Cloudinary's delivery URL).
        for (var i = 0; i < 3; i++)
        {
            await Expect(Project(tab, i).Locator(".thumb")).ToBeVisibleAsync();
        }

        var widths = await tab.EvaluateAsync<int[]>("() => [...document.querySelectorAll('#projects .thumb')].map(img => img.naturalWidth)");
        Assert.Equal(3, widths.Length);
        Assert.All(widths, w => Assert.True(w > 0, $"a thumbnail did not load: natural widths {string.Join(", ", widths)}"));
        await ShotAsync(tab, "3-form-with-images");

        // Two tabs: both loaded the same version; the first save wins, the second sees the conflict, nothing is overwritten.
        var second = await host.OpenAsync(context, user);
        await Expect(second.Locator("#screen-form")).ToBeVisibleAsync();
        await Project(tab, 1).Locator("[data-field=name]").FillAsync("Saved in the first tab");
        await Expect(tab.Locator("#save-state")).ToHaveTextAsync("All changes saved");
        await Project(second, 1).Locator("[data-field=name]").FillAsync("Typed in the second tab");
        await Expect(second.Locator("#conflict")).ToBeVisibleAsync();
        await ShotAsync(second, "4-conflict");
        await second.ClickAsync("#load-latest");
        await Expect(Project(second, 1).Locator("[data-field=name]")).ToHaveValueAsync("Saved in the first tab");
        await second.CloseAsync();

        // Submit while incomplete: the errors stand at their fields.
        await tab.ReloadAsync(); // the first tab's copy is older than the second tab's reload: start from the server's
        await Expect(tab.Locator("#screen-form")).ToBeVisibleAsync();
        await tab.ClickAsync("#submit");
        await Expect(Project(tab, 1).Locator("[data-error=role]")).ToBeVisibleAsync();
        await Expect(Project(tab, 2).Locator("[data-error=name]")).ToBeVisibleAsync();
        await Expect(Project(tab, 0).Locator("[data-error=name]")).ToBeHiddenAsync();
        await ShotAsync(tab, "5-field-errors");

        // Fix them and submit: the final screen, also after a reload.
        await Project(tab, 1).Locator("[data-field=role]").FillAsync("Developer");
        await Project(tab, 1).Locator("[data-field=description]").FillAsync("A habit tracker");
        await Project(tab, 2).Locator("[data-field=name]").FillAsync("Brand refresh");
        await Project(tab, 2).Locator("[data-field=role]").FillAsync("Lead");
        await Project(tab, 2).Locator("[data-field=description]").FillAsync("Logo and type system");
        await tab.ClickAsync("#submit");
        await Expect(tab.Locator("#screen-done")).ToBeVisibleAsync();
        await Expect(tab.Locator("#done-projects li")).ToHaveCountAsync(3);
        await ShotAsync(tab, "6-submitted");
        await tab.ReloadAsync();
        await Expect(tab.Locator("#screen-done")).ToBeVisibleAsync();
        await Expect(tab.Locator("#done-projects")).ToContainTextAsync("Поиск для библиотеки");
    }

    [Fact]
    public async Task A_link_naming_a_foreign_api_never_receives_the_token()
    {
        await using var host = await WebClientHost.StartAsync();
        await using var foreign = await RecordingServer.StartAsync();
        await using var context = await host.Browser.NewContextAsync();
        var user = Users.New("browser");
        var token = Checkup.Core.Auth.DevTokens.Mint(host.Api.Auth, user, false, TimeSpan.FromHours(1));
        var tab = await host.OpenAsync(context, user);
        await Expect(tab.Locator("#screen-start")).ToBeVisibleAsync(); // signed in: the token is in the tab's session

        // The signed-in tab opens a link naming another API; a new tab opens one that carries a token too.
        await tab.GotoAsync("about:blank");
        await tab.GotoAsync($"{host.WebUrl}/#api={Uri.EscapeDataString(foreign.Url)}");
        var linked = await context.NewPageAsync();
        await linked.GotoAsync($"{host.WebUrl}/#api={Uri.EscapeDataString(foreign.Url)}&token={token}");
        await tab.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await linked.WaitForLoadStateAsync(LoadState.NetworkIdle);

        Assert.DoesNotContain(foreign.Requests, r => r.Authorization is not null);
        await Expect(tab.Locator("#screen-signin")).ToBeVisibleAsync();
        await Expect(tab.Locator("#banner")).ToContainTextAsync($"does not send your token to {foreign.Url}");
        await Expect(linked.Locator("#banner")).ToContainTextAsync("does not send your token");

        // A person types the foreign address into the sign-in form.
        await linked.FillAsync("#api-base", foreign.Url);
        await linked.FillAsync("#token", token);
        await linked.ClickAsync("#signin-form button[type=submit]");
        await linked.WaitForLoadStateAsync(LoadState.NetworkIdle);

        Assert.Empty(foreign.Requests); // not even a preflight
        await Expect(linked.Locator("#banner")).ToContainTextAsync($"does not send your token to {foreign.Url}");

        // The configured API still works in the same tab: its own link signs in again.
        var back = await host.OpenAsync(context, user);
        await Expect(back.Locator("#screen-start")).ToBeVisibleAsync();
    }

    /// <summary>
    /// A complete PNG (every row present, unlike the header-first test images) in one of three colours, so the
    /// thumbnails and the screenshots show real pictures.
    /// </summary>
    private static byte[] GradientPng(int width, int height, int tint)
    {
        var raw = new byte[height * (width * 3 + 1)];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var at = y * (width * 3 + 1) + 1 + x * 3;
                raw[at + tint % 3] = (byte)(255 * x / width);
                raw[at + (tint + 1) % 3] = (byte)(255 * y / height);
                raw[at + (tint + 2) % 3] = 160;
            }
        }

        using var compressed = new MemoryStream();
        using (var zlib = new System.IO.Compression.ZLibStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write(raw);
        }

        var ihdr = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // truecolour
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        foreach (var (type, data) in new[] { ("IHDR", ihdr), ("IDAT", compressed.ToArray()), ("IEND", Array.Empty<byte>()) })
        {
            var typed = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
            var length = new byte[4];
            var crc = new byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typed));
            png.Write(length);
            png.Write(typed);
            png.Write(crc);
        }

        return png.ToArray();
    }

    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }

        return ~crc;
    }

    private static ILocator Project(IPage page, int index) => page.Locator($"#projects .project[data-index=\"{index}\"]");

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    /// <summary>The image as the API reports it (status, attempts, last error), for a failure message.</summary>
    private static async Task<string> ServerImageAsync(WebClientHost host, string user, string? imageId)
    {
        if (string.IsNullOrEmpty(imageId))
        {
            return "the page holds no image id";
        }

        using var client = new HttpClient { BaseAddress = new Uri(host.ApiUrl) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", Checkup.Core.Auth.DevTokens.Mint(host.Api.Auth, user, false, TimeSpan.FromMinutes(5)));
        using var response = await client.GetAsync($"/api/images/{imageId}");
        return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
    }

    private static async Task ShotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(Screenshots);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, name + ".png"), FullPage = true });
    }
}
