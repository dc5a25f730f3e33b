// MoodscoreMusic.cs: drive `moodscore serve` from Unity through OscJack (keijiro/OscJack:
// add the package "jp.keijiro.osc-jack"). Put it on one GameObject, run `moodscore serve SCORE`:
//   MoodscoreMusic.Instance.Event("combat_start"); MoodscoreMusic.Instance.Param("danger", 0.8f);
//   MoodscoreMusic.Instance.Beat += (bar, beat, tempoBpm, timeS) => hud.Flash();
using System;
using System.Collections.Concurrent;
using OscJack;
using UnityEngine;

public sealed class MoodscoreMusic : MonoBehaviour
{
    public string host = "127.0.0.1";
    public int serverPort = 9000;  // moodscore serve --osc-port
    public int replyPort = 9001;   // cues come back here: beats, bars, transitions, stingers

    public static MoodscoreMusic Instance { get; private set; }
    public event Action<int, int, float, float> Beat;       // bar, beat, tempo_bpm, time_s
    public event Action<int, float, string, float> Bar;     // bar, tempo_bpm, meter, time_s
    public event Action<string, string, string> Transition; // from_state, to_state, mood
    public event Action<string> Stinger;                    // stinger name

    OscClient _client;
    OscServer _server;
    // OscJack calls back on its own thread; Unity's objects may be touched on the main thread only
    readonly ConcurrentQueue<Action> _heard = new ConcurrentQueue<Action>();

    void OnEnable()
    {
        Instance = this;
        _client = new OscClient(host, serverPort);
        _server = new OscServer(replyPort);
        var on = _server.MessageDispatcher;
        on.AddCallback("/moodscore/beat", (_, m) => _heard.Enqueue(() => Beat?.Invoke(
            m.GetElementAsInt(0), m.GetElementAsInt(1), m.GetElementAsFloat(2), m.GetElementAsFloat(3))));
        on.AddCallback("/moodscore/bar", (_, m) => _heard.Enqueue(() => Bar?.Invoke(
            m.GetElementAsInt(0), m.GetElementAsFloat(1), m.GetElementAsString(2), m.GetElementAsFloat(3))));
        on.AddCallback("/moodscore/transition", (_, m) => _heard.Enqueue(() => Transition?.Invoke(
            m.GetElementAsString(0), m.GetElementAsString(1), m.GetElementAsString(2))));
        on.AddCallback("/moodscore/stinger", (_, m) => _heard.Enqueue(() => Stinger?.Invoke(
            m.GetElementAsString(0))));
        _client.Send("/moodscore/subscribe", replyPort);  // to this machine (as the server sees it)
    }

    void OnDisable()
    {
        _client.Send("/moodscore/unsubscribe", replyPort);
        _server.Dispose();
        _client.Dispose();
    }

    void Update()
    {
        while (_heard.TryDequeue(out var cue)) cue();
    }

    // OscJack's messages carry one type, so a name that goes with a number or a sync point
    // ends the address instead: /moodscore/param/danger 0.8, /moodscore/state/combat "next_bar".
    public void Event(string name) => _client.Send("/moodscore/event", name);
    public void Param(string name, float value) => _client.Send("/moodscore/param/" + name, value);
    public void PlayStinger(string name) => _client.Send("/moodscore/stinger", name);
    public void StopMusic(float fadeS = 0.5f) => _client.Send("/moodscore/stop", fadeS);

    public void State(string name, string sync = null)
    {
        if (sync == null) _client.Send("/moodscore/state", name);
        else _client.Send("/moodscore/state/" + name, sync);
    }
}
